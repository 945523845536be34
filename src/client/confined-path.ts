/* eslint-disable no-control-regex -- matching control characters is the point here */
import { lstatSync } from 'node:fs';
import path from 'node:path';
import { ClientError, EXIT } from './exit-codes';

const MAX_SEGMENTS = 32;
const MAX_SEGMENT_LENGTH = 255;

/**
 * Where an output named by the server (`path`, hostile) is written under `directory`: only
 * plain relative segments, no `..`, no absolute path, no backslash, no control character, and
 * no existing symlink on the way (which could lead outside). Throws for anything else.
 */
export function confinedTarget(directory: string, serverPath: string): string {
  const refuse = (why: string) =>
    new ClientError(EXIT.server, `the server named an output path that is refused (${why})`);
  const segments = serverPath.split('/');
  if (serverPath === '' || segments.length > MAX_SEGMENTS) throw refuse('empty or too deep');
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..')
      throw refuse('not a plain relative path');
    if (segment.length > MAX_SEGMENT_LENGTH) throw refuse('a name is too long');
    if (/[\\\u0000-\u001f\u007f-\u009f]/.test(segment))
      throw refuse('a control character or backslash');
  }
  const root = path.resolve(directory);
  const target = path.resolve(root, ...segments);
  if (!target.startsWith(root + path.sep)) throw refuse('outside the directory');
  let walk = root;
  for (const segment of segments) {
    walk = path.join(walk, segment);
    try {
      if (lstatSync(walk).isSymbolicLink()) throw refuse('a symlink is in the way');
    } catch (error) {
      if (error instanceof ClientError) throw error;
      break; // does not exist yet: nothing further can be a symlink
    }
  }
  return target;
}

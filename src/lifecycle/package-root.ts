import { existsSync } from 'node:fs';
import path from 'node:path';

/** The directory holding Damson's package.json, from compiled (dist/) and source (src/) code alike. */
export function packageRoot(from = __dirname): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

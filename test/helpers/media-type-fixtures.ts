import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  mediaTypeValidator,
  type MediaTypeCheck,
} from '../../src/services/media-types/media-type-validator';

/**
 * The media-type suites' fixtures: a directory for the test file's files (made before its tests,
 * removed after), and checks that give the same bytes to a validator from disk and from memory.
 */
export function mediaTypeFixtures() {
  let dir = '';
  let counter = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'damson-media-types-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A file of the fixture directory. */
  const fixturePath = (name: string): string => join(dir, name);

  async function check(mediaType: string, content: string | Buffer): Promise<MediaTypeCheck> {
    const validator = mediaTypeValidator(mediaType);
    if (validator === undefined) throw new Error(`no validator for ${mediaType}`);
    const file = fixturePath(`fixture-${counter++}`);
    await writeFile(file, content);
    const fromDisk = await validator(file);
    // Held in memory (a small uploaded part), the same bytes must get the same verdict.
    expect(await validator(Buffer.from(content))).toEqual(fromDisk);
    return fromDisk;
  }

  async function expectValid(mediaType: string, content: string | Buffer): Promise<void> {
    expect(await check(mediaType, content)).toEqual({ ok: true });
  }

  async function expectInvalid(
    mediaType: string,
    content: string | Buffer,
    reason: string | RegExp,
  ): Promise<void> {
    const result = await check(mediaType, content);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  }

  return { fixturePath, expectValid, expectInvalid };
}

/** A text file of these lines, each ended by a newline. */
export const lines = (...rows: string[]): string => rows.join('\n') + '\n';

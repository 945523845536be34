import {
  isWellFormedId,
  jobDirectoryRelative,
  jobIdOfDirectory,
  newJobId,
  newUploadId,
} from '../../src/jobs';

describe('job ids', () => {
  // Several thousand ids span many refills of the block of random bytes they are cut from.
  const ids = Array.from({ length: 5000 }, (_, i) => (i % 2 ? newJobId() : newUploadId()));

  test('are 16 URL-safe characters', () => {
    for (const id of ids) expect(isWellFormedId(id)).toBe(true);
  });

  test('never repeat, across refills of the random block', () => {
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('vary in every position (no counter or clock inside)', () => {
    for (let position = 0; position < 16; position++) {
      const seen = new Set(ids.map((id) => id[position]));
      // 5000 draws from 64 symbols miss one only by astronomically bad luck; the first is never `-`.
      expect(seen.size).toBe(position === 0 ? 63 : 64);
    }
  });

  test('never start with `-`, which a command line would read as an option', () => {
    expect(ids.filter((id) => id.startsWith('-'))).toEqual([]);
  });
});

describe('job directories', () => {
  test('jobIdOfDirectory inverts jobDirectoryRelative', () => {
    for (let i = 0; i < 200; i++) {
      const id = newJobId();
      expect(jobIdOfDirectory(jobDirectoryRelative(id))).toBe(id);
    }
  });

  test.each([
    '..',
    '../../..',
    'ab/cd',
    'ab/cd/efghijklmnop/q',
    'a/cd/efghijklmnopq',
    'ab/cd/efghijklmno',
    'ab/c./efghijklmnop',
    'ab/cd/efghijkl.nop',
    'ab/cd/efghijkl/nop',
    'ab/cd/efghijkl\\nop',
    'ab/cd/efghijklmno\0',
    '%2/cd/efghijklmnop',
    'ab//cdefghijklmnop',
  ])('no other shape names a job: %j', (relative) => {
    expect(jobIdOfDirectory(relative)).toBeNull();
  });
});

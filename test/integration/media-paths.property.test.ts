import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { jobDirectoryRelative, newJobId } from '../../src/jobs';
import { startApiApp, type ApiApp } from '../helpers/api-app';
import { multipartBody, rawRequest } from '../helpers/raw-http';
import { rawTargetRequest } from '../helpers/raw-target';

/**
 * Hostile media paths from a grammar of segments: the real job's own directory segments mixed
 * with dot segments, encoded separators, NUL, double and overlong encodings, unicode and empty
 * segments, sent as raw request targets to the real app with a real jobs directory. Whatever the
 * path: no 5xx, never a byte of a file outside the job directory, only the job's own files
 * served, and the server answers a normal request right after.
 */
let app: ApiApp;
let workDir: string;
let uploadId: string;
const SECRET = `secret-${newJobId()}-${newJobId()}`;
/** What the job directory legitimately serves. */
const SERVABLE = new Set(['the output\n', 'nested output\n']);

beforeAll(async () => {
  app = await startApiApp();
  const id = newJobId();
  workDir = jobDirectoryRelative(id);
  await app.store.insertJob({ id, service: 'words', inputs: {}, parameters: {}, workDir });
  const dir = path.join(app.settings.directories.jobs, workDir);
  mkdirSync(path.join(dir, 'sub'), { recursive: true });
  writeFileSync(path.join(dir, 'stdout'), 'the output\n');
  writeFileSync(path.join(dir, 'sub', 'nested.txt'), 'nested output\n');
  writeFileSync(path.join(dir, '.damson-exit-1'), SECRET);
  // The secret sits next to the jobs directory and is linked from inside the job.
  writeFileSync(path.join(app.home.home, 'media', 'secret.txt'), SECRET);
  writeFileSync(path.join(app.home.home, 'secret.txt'), SECRET);
  // Other jobs' directories are outside this job too.
  const [aa, bb] = workDir.split('/');
  for (const other of ['', aa, `${aa}/${bb}`])
    writeFileSync(path.join(app.settings.directories.jobs, other, 'secret.txt'), SECRET);
  symlinkSync(path.join(app.home.home, 'secret.txt'), path.join(dir, 'secret-link'));
  symlinkSync(app.home.home, path.join(dir, 'home-link'));
  const { contentType, body } = multipartBody([
    { name: 'file', filename: 'in.txt', value: 'uploaded\n' },
  ]);
  const up = await rawRequest(
    `${app.baseUrl}/api/files`,
    'POST',
    { 'content-type': contentType },
    body,
  );
  uploadId = up.json<{ id: string }>().id;
});
afterAll(async () => {
  await app?.close();
});

/** Segments that stay, climb or smuggle a separator once decoded (or fail to decode). */
function stepGrammar(): fc.Arbitrary<string> {
  const [aa, bb, rest] = workDir.split('/');
  const dots = fc.constantFrom('.', '..', '%2E', '%2e', '%2E%2E', '%2e%2E', '.%2E', '%2E.', '...');
  const smuggled = fc.constantFrom(
    '..%2F..',
    '..%2f',
    '..%5C..',
    '..\\..',
    '%2E%2E%2F',
    '%252E%252E%252F',
    '%C0%AE%C0%AE%C0%AF', // overlong '../'
    '..%E0%80%AF', // 3-byte overlong '/'
    '..%EF%BC%8F', // fullwidth solidus
    '%2F',
    '%5C',
    '%00',
    '..%00',
    '%2500',
    '',
    '%',
    '%zz',
    '%E0%A4%A',
    '%u002F',
    'é',
    '~',
  );
  const own = fc.constantFrom(aa, bb, rest, workDir, `${workDir.replace(/\//g, '%2F')}`, uploadId);
  return fc.oneof(
    { weight: 6, arbitrary: dots },
    { weight: 2, arbitrary: smuggled },
    { weight: 2, arbitrary: own },
  );
}

/** Where a path ends: the job's own files, records, and what lies outside it. */
function tailGrammar(): fc.Arbitrary<string[]> {
  const homeName = path.basename(app.home.home);
  const names = fc.constantFrom(
    'stdout',
    'sub',
    'nested.txt',
    'secret.txt',
    'secret-link',
    'home-link',
    '.damson-exit-1',
    '.damson',
    homeName,
    'media',
    'jobs',
    'settings.yaml',
    'data',
    'damson.sqlite',
    'damson.sqlite-wal',
    'etc',
    'passwd',
    'proc',
    'self',
    'environ',
    'secret.txt%00',
    'stdout%2F..%2Fsecret.txt',
  );
  // Mostly one name, as a traversal ends; sometimes a longer walk or none.
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant<string[]>(['secret.txt']) },
    { weight: 3, arbitrary: names.map((name) => [name]) },
    { weight: 1, arbitrary: fc.array(names, { maxLength: 3 }) },
  );
}

function pathGrammar(): fc.Arbitrary<string> {
  const prefix = fc.oneof(
    { weight: 4, arbitrary: fc.constant('/media/jobs/') },
    { weight: 1, arbitrary: fc.constantFrom('/media/uploads/', '/media/', '/') },
  );
  const separator = fc.oneof(
    { weight: 8, arbitrary: fc.constant('/') },
    { weight: 1, arbitrary: fc.constant('//') },
    { weight: 1, arbitrary: fc.constant('\\') },
  );
  return fc
    .tuple(
      prefix,
      // Job URLs start with three directory segments: walks of exactly three probe that edge.
      fc.oneof(
        fc.array(stepGrammar(), { minLength: 3, maxLength: 3 }),
        fc.array(stepGrammar(), { maxLength: 7, size: 'max' }),
      ),
      tailGrammar(),
      fc.array(separator, { minLength: 12, maxLength: 12 }),
    )
    .map(([head, steps, tail, seps]) =>
      [...steps, ...tail].reduce(
        (out, segment, i) => out + (i ? seps[i % 12] : '') + segment,
        head,
      ),
    );
}

it('never a 5xx, never a byte from outside the job, and the next request is served', async () => {
  const settings = readFileSync(path.join(app.home.home, 'settings.yaml'), 'utf8').trim();
  await fc.assert(
    fc.asyncProperty(pathGrammar(), async (target) => {
      const res = await rawTargetRequest(app.baseUrl, target);
      expect(res.status).toBeLessThan(500);
      expect(res.text).not.toContain(SECRET);
      expect(res.text).not.toContain(settings);
      expect(res.text).not.toContain('SQLite format 3');
      expect(res.text).not.toContain('root:x:0:0');
      if (res.status === 200 && target.startsWith('/media/jobs/'))
        expect(SERVABLE.has(res.text)).toBe(true);
      const normal = await rawTargetRequest(app.baseUrl, `/media/jobs/${workDir}/stdout`);
      expect(normal.status).toBe(200);
      expect(normal.text).toBe('the output\n');
    }),
    { numRuns: 200 },
  );
});

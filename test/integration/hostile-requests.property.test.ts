import { readdirSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { PARTIAL_UPLOAD_PREFIX } from '../../src/jobs';
import { makeDamsonHome, type DamsonHome } from '../helpers/damson-home';
import { startDamson, type RunningDamson } from '../helpers/damson-process';
import { rawRequest, type RawResponse } from '../helpers/raw-http';
import { uploadNames } from '../helpers/upload-names';

/**
 * Hostile requests, generated: field, file and query names from Object.prototype's names, very
 * long names, unicode, NUL and control characters; JSON bodies with prototype keys and nested
 * junk; oversized, truncated and mis-bounded multipart bodies. For every one: no 5xx, a JSON
 * answer, the server process still running, no file left behind by a refused request, no
 * `.partial-*` file left by any request, and a normal request answered right after.
 * fast-check prints the seed and the shrunk counterexample on failure.
 */
const LIMITS = {
  maxFileBytes: 100_000,
  maxFiles: 4,
  maxFields: 40,
  maxFieldBytes: 4096,
  maxTextBytes: 16_384,
};

let home: DamsonHome;
let server: RunningDamson;
let uploads: string;

beforeAll(async () => {
  home = await makeDamsonHome({
    'directory.uploads': './media/uploads',
    'server.max-file-size': LIMITS.maxFileBytes,
    'server.max-files': LIMITS.maxFiles,
    'server.max-fields': LIMITS.maxFields,
    'server.max-field-size': LIMITS.maxFieldBytes,
    'server.max-text-size': LIMITS.maxTextBytes,
    'log.level': 'error',
  });
  uploads = path.join(home.home, 'media/uploads');
  server = await startDamson(home, ['server']);
}, 30_000);
afterAll(async () => {
  await server?.stop();
});

const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'toLocaleString',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'valueOf',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
];
const PARAMETER_NAMES = ['words', 'repeat', 'case', 'input', 'lines', 'seconds', 'file'];

const controlChar = fc.integer({ min: 0, max: 31 }).map((c) => String.fromCharCode(c));
const hostileName = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...PROTOTYPE_KEYS) },
  { weight: 2, arbitrary: fc.constantFrom(...PARAMETER_NAMES) },
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }),
  fc.string({ unit: controlChar, minLength: 1, maxLength: 10 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
  fc.string({ minLength: 300, maxLength: 3000 }),
  fc
    .tuple(fc.constantFrom(...PROTOTYPE_KEYS), fc.constantFrom('[x]', '.x', '[__proto__]', '\0'))
    .map(([a, b]) => a + b),
);

const TARGETS = [
  '/api/services/head/jobs',
  '/api/services/words/jobs',
  '/api/services/sleep/jobs',
  '/api/files',
];
const target = fc.constantFrom(...TARGETS);

interface PartSpec {
  name: string;
  filename: string | null;
  value: Buffer;
}

const partValue = fc.oneof(
  fc.string({ maxLength: 50 }).map((s) => Buffer.from(s)),
  fc.constantFrom('1', 'hello', 'a\nb\n', 'upper', '').map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  // Past the per-field or per-file limits, and past the in-memory threshold of a file part.
  fc
    .constantFrom(LIMITS.maxFieldBytes + 1, 70_000, LIMITS.maxFileBytes + 1)
    .map((n) => Buffer.alloc(n, 'z')),
);

const partSpec: fc.Arbitrary<PartSpec> = fc.record({
  name: hostileName,
  filename: fc.option(fc.oneof(fc.constant('in.txt'), fc.constant(''), hostileName), {
    nil: null,
  }),
  value: partValue,
});

function multipartBytes(parts: PartSpec[], boundary: string): Buffer {
  const pieces: Buffer[] = [];
  for (const part of parts) {
    let disposition = `form-data; name="${part.name}"`;
    if (part.filename !== null) disposition += `; filename="${part.filename}"`;
    pieces.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n\r\n`));
    pieces.push(part.value, Buffer.from('\r\n'));
  }
  pieces.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(pieces);
}

/** Every byte of a string percent-encoded (lone surrogates become U+FFFD, as a browser would). */
const percentEncoded = (text: string): string =>
  [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

const queryPair = fc.oneof(
  fc.tuple(hostileName, hostileName).map(([k, v]) => `${percentEncoded(k)}=${percentEncoded(v)}`),
  fc
    .tuple(fc.constantFrom(...PROTOTYPE_KEYS), fc.constantFrom('[x]', '[__proto__]', '[][]', ''))
    .map(([k, suffix]) => `${k}${suffix}=1`),
  fc.constantFrom('%', '%E0%A4%A', '=', '&&', 'priority=1&priority=2', 'wait=1e999', 'limit=-1'),
);
const queryString = fc.array(queryPair, { minLength: 1, maxLength: 6 }).map((p) => p.join('&'));

function filesInUploads(): string[] {
  try {
    return uploadNames(readdirSync(uploads));
  } catch {
    return [];
  }
}

/** The properties every hostile request must keep. */
async function expectSurvived(res: RawResponse, before: string[]): Promise<void> {
  expect(res.status).toBeGreaterThanOrEqual(200);
  expect(res.status).toBeLessThan(500);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(() => res.json()).not.toThrow();
  expect(server.process.exitCode).toBeNull();
  const now = filesInUploads();
  expect(now.filter((name) => name.startsWith(PARTIAL_UPLOAD_PREFIX))).toEqual([]);
  if (res.status >= 300) expect(now.filter((name) => !before.includes(name))).toEqual([]);
  const normal = await rawRequest(
    `${home.baseUrl}/api/services/words/jobs`,
    'POST',
    { 'content-type': 'application/x-www-form-urlencoded' },
    'words=normal',
  );
  expect(normal.status).toBe(202);
}

const RUNS = { numRuns: 200 };

test('hostile multipart forms: names, files, sizes, truncation and bad boundaries', async () => {
  const mutation = fc.oneof(
    { weight: 5, arbitrary: fc.constant({ kind: 'whole' as const }) },
    fc.double({ min: 0, max: 1, noNaN: true }).map((at) => ({ kind: 'cut' as const, at })),
    fc.constant({ kind: 'wrong-boundary' as const }),
    fc.constant({ kind: 'no-boundary' as const }),
    // Past max-fields, max-files and max-text-size by sheer number of parts.
    fc.integer({ min: 5, max: 60 }).map((times) => ({ kind: 'repeat' as const, times })),
  );
  await fc.assert(
    fc.asyncProperty(
      target,
      fc.array(partSpec, { minLength: 1, maxLength: 6 }),
      mutation,
      fc.stringMatching(/^[A-Za-z0-9'()+_,./:=?-]{1,70}$/),
      async (url, parts, change, boundary) => {
        const before = filesInUploads();
        const all =
          change.kind === 'repeat' ? Array<PartSpec[]>(change.times).fill(parts).flat() : parts;
        let body = multipartBytes(all, boundary);
        let contentType = `multipart/form-data; boundary=${boundary}`;
        if (change.kind === 'cut') body = body.subarray(0, Math.floor(body.length * change.at));
        if (change.kind === 'wrong-boundary') contentType += 'X';
        if (change.kind === 'no-boundary') contentType = 'multipart/form-data';
        // Chunked, so a truncated body still ends cleanly and is judged by its content.
        const res = await rawRequest(
          `${home.baseUrl}${url}`,
          'POST',
          { 'content-type': contentType },
          [body.subarray(0, 10), body.subarray(10)],
        );
        await expectSurvived(res, before);
      },
    ),
    { numRuns: 300 },
  );
}, 60_000);

test('hostile urlencoded forms and query strings', async () => {
  await fc.assert(
    fc.asyncProperty(
      target,
      queryString,
      fc.array(fc.tuple(hostileName, hostileName), { maxLength: 8 }),
      async (url, query, pairs) => {
        const before = filesInUploads();
        const body = pairs.map(([k, v]) => `${percentEncoded(k)}=${percentEncoded(v)}`).join('&');
        const submitted = await rawRequest(
          `${home.baseUrl}${url}?${query}`,
          'POST',
          { 'content-type': 'application/x-www-form-urlencoded' },
          body,
        );
        await expectSurvived(submitted, before);
        const listed = await rawRequest(`${home.baseUrl}/api/jobs?${query}`, 'GET');
        await expectSurvived(listed, before);
      },
    ),
    RUNS,
  );
}, 60_000);

test('hostile JSON bodies: prototype keys and nested junk', async () => {
  const jsonValue = fc.oneof(
    fc.constantFrom('x', 1, true, null, ['a', 'b'], [1, [2]], { a: 1 }),
    fc.jsonValue({ maxDepth: 3 }),
    fc.string({ maxLength: 30 }),
  );
  const entries = fc.array(fc.tuple(hostileName, jsonValue), { maxLength: 8 });
  const jsonText = fc.oneof(
    {
      weight: 4,
      arbitrary: entries.map(
        (list) =>
          `{${list.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`,
      ),
    },
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
    fc.constantFrom(
      '{"__proto__": {"polluted": 1}}',
      '{"constructor": {"prototype": {"x": 1}}}',
      '{',
      '[]',
      'null',
      '',
    ),
  );
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...TARGETS.filter((t) => t !== '/api/files')),
      jsonText,
      async (url, text) => {
        const before = filesInUploads();
        const res = await rawRequest(
          `${home.baseUrl}${url}`,
          'POST',
          { 'content-type': 'application/json' },
          text,
        );
        await expectSurvived(res, before);
      },
    ),
    RUNS,
  );
}, 60_000);

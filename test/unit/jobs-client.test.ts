/* eslint-disable no-control-regex -- the tests match control characters on purpose */
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import fc from 'fast-check';
import { resolveConnection } from '../../src/client/client-config';
import { confinedTarget } from '../../src/client/confined-path';
import { csvRow } from '../../src/client/csv';
import { ClientError } from '../../src/client/exit-codes';
import { parseFields } from '../../src/client/form-body';
import { JobHistory, historyFile } from '../../src/client/job-history';
import { serverMessage } from '../../src/client/resources';
import { readEvents } from '../../src/client/sse-reader';
import { resubmission } from '../../src/client/submit-command';
import { safeJson, safeLog, safeText } from '../../src/client/terminal-text';
import { parseCsv } from '../helpers/rfc4180';

const temp = () => mkdtempSync(path.join(tmpdir(), 'damson-client-'));
// Every character a terminal could act on: C0, DEL, C1, bidi controls.
const ACTIVE =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('terminal text from a hostile server', () => {
  it('escapes escape sequences, C1 controls and bidi overrides', () => {
    expect(safeText('job\u001b]0;pwned\u0007\u009b2J\u202eevil')).toBe(
      'job\\x1b]0;pwned\\x07\\x9b2J\\u202eevil',
    );
    expect(safeLog('a\n\tb\u001b[31m\r')).toBe('a\n\tb\\x1b[31m\\x0d');
  });

  it('never lets an active character through, and JSON stays the same JSON', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(safeText(s)).not.toMatch(ACTIVE);
        expect(safeLog(s).replace(/[\n\t]/g, '')).not.toMatch(ACTIVE);
        const json = safeJson({ s });
        expect(json.replace(/\n/g, '')).not.toMatch(ACTIVE);
        expect(JSON.parse(json)).toEqual({ s });
      }),
      { numRuns: 300 },
    );
  });

  it("shows the server's message and names the parameter", () => {
    const e = serverMessage(422, {
      errors: [{ parameter: 'code', errorCode: 'max_value', message: 'too big' }],
    });
    expect(e.message).toBe("parameter 'code': too big (HTTP 422)");
    expect(e.details).toMatchObject({ parameter: 'code', status: 422 });
    expect(e.exitCode).toBe(3);
    const q = serverMessage(400, {
      error: { code: 'invalid_query', message: 'wait must be a number', parameter: 'wait' },
    });
    expect(q.message).toBe('wait must be a number (HTTP 400)');
    expect(serverMessage(502, '<html>').message).toBe('the server answered 502 (HTTP 502)');
  });
});

describe('download paths named by the server', () => {
  it('keeps plain relative paths and refuses every way out', () => {
    const root = temp();
    expect(confinedTarget(root, 'out/result.txt')).toBe(path.join(root, 'out', 'result.txt'));
    for (const bad of [
      '../x',
      '../../etc/passwd',
      '/etc/passwd',
      'a/../../x',
      'a\\..\\x',
      '',
      'a//b',
      './a',
      'a\u001b[2J',
    ])
      expect(() => confinedTarget(root, bad)).toThrow(ClientError);
  });

  it('refuses a path through an existing symlink', () => {
    const root = temp();
    symlinkSync(tmpdir(), path.join(root, 'link'));
    expect(() => confinedTarget(root, 'link/x')).toThrow(/symlink/);
  });

  it('anything accepted lies inside the directory', () => {
    const root = temp();
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', '..', '.', '/', '\\', 'b.txt', '', '%2e'), { maxLength: 8 }),
        (parts) => {
          const p = parts.join('');
          let target: string;
          try {
            target = confinedTarget(root, p);
          } catch {
            return;
          }
          expect(target.startsWith(root + path.sep)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('CSV', () => {
  it('quotes commas, quotes and newlines, and a real parser reads the values back', () => {
    const values = ['plain', 'a,b', 'say "hi"', 'two\nlines', 'cr\r\nlf', '', ' spaced '];
    expect(parseCsv(csvRow(values) + csvRow(['x']))).toEqual([values, ['x']]);
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.string(), { minLength: 1, maxLength: 5 }), { maxLength: 5 }),
        (rows) => {
          expect(parseCsv(rows.map(csvRow).join(''))).toEqual(rows);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('key=value arguments', () => {
  it('reads values, files (@path), literal @ (@@) and refuses bad keys', () => {
    const dir = temp();
    const file = path.join(dir, 'in.txt');
    writeFileSync(file, 'x');
    expect(parseFields(['a=1', 'a=2', `f=@${file}`, 'e=@@mail', 'n='])).toEqual([
      { key: 'a', value: '1' },
      { key: 'a', value: '2' },
      { key: 'f', file },
      { key: 'e', value: '@mail' },
      { key: 'n', value: '' },
    ]);
    expect(() => parseFields(['novalue'])).toThrow(/key=value/);
    expect(() => parseFields(['f=@/no/such/file'])).toThrow(/no such file/);
    expect(() => parseFields(['a b=1'])).toThrow(/parameter id/);
  });

  it('a resubmission keeps the parameters and replaces overridden ones whole', () => {
    const job = {
      url: '/api/jobs/x',
      id: 'x',
      service: 's',
      status: 'FAILED',
      finished: true,
      submissionTime: null,
      completionTime: null,
      parameters: { tags: ['a', 'b'], code: '3', input: 'UPLOADID' },
    };
    expect(
      resubmission(job, [
        { key: 'code', value: '0' },
        { key: 'tags', value: 'c' },
      ]),
    ).toEqual([
      { key: 'input', value: 'UPLOADID' },
      { key: 'code', value: '0' },
      { key: 'tags', value: 'c' },
    ]);
  });
});

describe('profiles and history', () => {
  const profile = (mode: number, body: string) => {
    const config = temp();
    mkdirSync(path.join(config, 'damson'));
    const file = path.join(config, 'damson', 'client.yaml');
    writeFileSync(file, body);
    chmodSync(file, mode);
    return { XDG_CONFIG_HOME: config };
  };
  const withToken =
    'default: work\nprofiles:\n  work: { url: "http://example.org/d", token: secret-token }\n';

  it('reads the default profile under XDG_CONFIG_HOME, its token, and lets --url and env win', () => {
    const env = profile(0o600, withToken);
    expect(resolveConnection({}, env)).toMatchObject({
      url: 'http://example.org/d',
      token: 'secret-token',
    });
    expect(
      resolveConnection({ url: 'http://other' }, { ...env, DAMSON_TOKEN: 't2' }),
    ).toMatchObject({
      url: 'http://other',
      token: 't2',
    });
    expect(() => resolveConnection({ profile: 'nope' }, env)).toThrow(/no profile 'nope'/);
    expect(() => resolveConnection({}, { XDG_CONFIG_HOME: temp() })).toThrow(/no server/);
  });

  it('refuses a token file that others can read, but not one without a token', () => {
    expect(() => resolveConnection({}, profile(0o644, withToken))).toThrow(/chmod 600/);
    expect(() => resolveConnection({}, profile(0o640, withToken))).toThrow(/chmod 600/);
    const open = profile(0o644, 'default: w\nprofiles:\n  w: { url: "http://example.org" }\n');
    expect(resolveConnection({}, open).url).toBe('http://example.org');
  });

  it('keeps history in a 0600 file under XDG_STATE_HOME; last is per server', () => {
    const state = temp();
    const file = historyFile({ XDG_STATE_HOME: state });
    expect(file).toBe(path.join(state, 'damson', 'job-history.jsonl'));
    const history = new JobHistory(file);
    expect(() => history.resolve('last', 'http://a/')).toThrow(/no job submitted/);
    history.add({ id: 'AAAA', server: 'http://a/', service: 's', submittedAt: 'now' });
    history.add({ id: 'BBBB', server: 'http://b/', service: 's', submittedAt: 'now' });
    expect(history.resolve('last', 'http://a/')).toBe('AAAA');
    expect(history.resolve(undefined, 'http://b/')).toBe('BBBB');
    expect(history.resolve('CCCC', 'http://b/')).toBe('CCCC');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    writeFileSync(file, '{not json\n' + readFileSync(file, 'utf8').split('\n')[1] + '\n');
    expect(history.entries().map((e) => e.id)).toEqual(['BBBB']);
    // Trimmed back to the newest 200 once over 64 KiB; `last` is still the newest.
    for (let i = 0; i < 1500; i += 1)
      history.add({ id: `J${i}`, server: 'http://a/', service: 's', submittedAt: 'now' });
    const kept = history.entries();
    expect(kept.length).toBeGreaterThanOrEqual(200);
    expect(kept.length).toBeLessThan(1500);
    expect(kept.at(-1)?.id).toBe('J1499');
    expect(history.resolve('last', 'http://a/')).toBe('J1499');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(file).size).toBeLessThanOrEqual(64 * 1024);
  });
});

describe('server-sent events', () => {
  it('parses events split across chunks, CRLF, comments and multi-line data', async () => {
    const stream = new PassThrough();
    const events = (async () => {
      const seen = [];
      for await (const e of readEvents(stream as unknown as IncomingMessage)) seen.push(e);
      return seen;
    })();
    for (const chunk of [
      'retry: 2000\n\n: keep\n',
      'event: job\r',
      '\nid: 4\ndata: {"a"',
      ':1}\n\n',
      'data: x\ndata: y\n\n',
    ])
      stream.write(chunk);
    stream.end();
    expect(await events).toEqual([
      { event: 'job', id: '4', data: '{"a":1}' },
      { event: 'message', id: '4', data: 'x\ny' },
    ]);
  });
});

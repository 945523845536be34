import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { globToRegExp, listOutputs } from '../../src/http/job-outputs';
import { parameterResource } from '../../src/http/resources';
import { serviceOf } from '../helpers/service-definition';

describe("outputs use slivka's fnmatch globs over relative paths", () => {
  test.each([
    ['*.txt', 'a.txt', true],
    ['*.txt', 'dummy/d00.txt', true],
    ['dummy/d*.txt', 'dummy/d01.txt', true],
    ['rep.?.txt', 'rep.1.txt', true],
    ['rep.?.txt', 'rep.10.txt', false],
    ['[ab].log', 'b.log', true],
    ['[!ab].log', 'b.log', false],
    ['[!ab].log', 'c.log', true],
    ['out(1)+.txt', 'out(1)+.txt', true],
    ['a.txt', 'aXtxt', false],
    ['[', '[', true],
    ['stdout', 'stdout', true],
  ])('%s vs %s → %s', (glob, file, matches) => {
    expect(globToRegExp(glob).test(file)).toBe(matches);
  });

  test('a file matching several outputs is listed for each; links are not outputs', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'damson-outputs-'));
    mkdirSync(path.join(dir, 'dummy'));
    writeFileSync(path.join(dir, 'stdout'), '');
    writeFileSync(path.join(dir, 'rep.0.txt'), '');
    writeFileSync(path.join(dir, 'dummy', 'd00.txt'), '');
    symlinkSync('/etc/hostname', path.join(dir, 'input.txt'));
    // The agents' own records (exit status, engine ids) are never outputs, even for `*`.
    writeFileSync(path.join(dir, '.damson-exit-1'), '0');
    mkdirSync(path.join(dir, '.damson'));
    writeFileSync(path.join(dir, '.damson', 'exit-1.txt'), '0');
    const service = serviceOf({
      outputs: {
        log: { path: 'stdout', name: 'Log', 'media-type': 'text/plain' },
        texts: { path: '*.txt' },
        reps: { path: 'rep.?.txt', name: 'Reps' },
        everything: { path: '.damson*' },
      },
    });
    expect(await listOutputs(dir, service.outputs)).toEqual([
      { path: 'stdout', label: 'Log', mediaType: 'text/plain' },
      { path: 'dummy/d00.txt', label: 'texts', mediaType: '' },
      { path: 'rep.0.txt', label: 'texts', mediaType: '' },
      { path: 'rep.0.txt', label: 'Reps', mediaType: '' },
    ]);
  });
});

describe('parameters as clients see them (slivka §2.3, with B6 fixed)', () => {
  test('exclusive bounds are shown even when the bound is 0', () => {
    const [p] = serviceOf({
      parameters: { x: { name: 'X', type: 'decimal', min: 0, 'min-exclusive': true, max: 0.5 } },
    }).parameters;
    expect(parameterResource(p)).toMatchObject({
      min: 0,
      minExclusive: true,
      max: 0.5,
      maxExclusive: false,
    });
  });
  test('choices show keys, files their media type', () => {
    const [c, f] = serviceOf({
      parameters: {
        c: { name: 'C', type: 'choice', choices: { a: 'A', b: 'B' } },
        f: {
          name: 'F',
          type: 'file',
          'media-type': 'text/plain',
          extensions: ['txt'],
          required: false,
        },
      },
    }).parameters;
    expect(parameterResource(c)).toMatchObject({
      choices: ['a', 'b'],
      required: true,
      array: false,
    });
    expect(parameterResource(f)).toMatchObject({
      mimetype: 'text/plain',
      mediaType: 'text/plain',
      mediaTypeParameters: {},
      extensions: ['txt'],
      required: false,
    });
  });
});

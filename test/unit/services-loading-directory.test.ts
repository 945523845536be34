import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadServiceDirectory } from '../../src/services/service-catalog';
import { serviceOf } from '../helpers/service-definition';

describe('the services directory', () => {
  test('file names give ids; other files are ignored; a bad file does not stop the others', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'damson-dir-'));
    const good = `slivka-version: "0.8"\nname: G\nparameters: {}\ncommand: x\nargs: {}\noutputs: {}\nexecution: {runners: {default: {type: local}}}\n`;
    writeFileSync(path.join(dir, 'my.tool.service.yaml'), good);
    writeFileSync(path.join(dir, 'other.service.yml'), good);
    writeFileSync(path.join(dir, 'notes.yaml'), 'not: a service');
    writeFileSync(path.join(dir, 'bad.service.yaml'), good.replace('name: G\n', ''));
    const { services, errors } = loadServiceDirectory(dir);
    expect(services.map((s) => s.id)).toEqual(['my.tool', 'other']);
    expect(errors.map((e) => [path.basename(e.file), e.reason])).toEqual([
      ['bad.service.yaml', "missing required key 'name'"],
    ]);
  });
  test('the same id twice (.yaml and .yml) is an error on the second file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'damson-dir-'));
    const good = `slivka-version: "0.8"\nname: G\nparameters: {}\ncommand: x\nargs: {}\noutputs: {}\nexecution: {runners: {default: {type: local}}}\n`;
    writeFileSync(path.join(dir, 'twin.service.yaml'), good);
    writeFileSync(path.join(dir, 'twin.service.yml'), good);
    const { services, errors } = loadServiceDirectory(dir);
    expect(services.map((s) => s.id)).toEqual(['twin']);
    expect(errors[0].message).toMatch(
      /twin\.service\.yml: at '\/': service id 'twin' is already defined/,
    );
  });
  test('a missing directory is one error, not a crash', () => {
    const { services, errors } = loadServiceDirectory('/nonexistent/services');
    expect(services).toEqual([]);
    expect(errors[0].reason).toMatch(/cannot read the services directory/);
  });
});

describe('runners and tests', () => {
  test('LSF and Python runner classes load with a warning (a misspelt type is a broken-file case)', () => {
    const s = serviceOf({
      execution: {
        runners: {
          lsf: { type: 'LSFRunner' },
          mine: { type: 'my.pkg.Runner' },
          default: { type: 'local' },
        },
      },
    });
    expect(s.warnings.map((w) => w.key)).toEqual([
      'execution/runners/lsf/type',
      'execution/runners/mine/type',
    ]);
  });
  test('consts for an argument that does not exist are a warning (and so is the orphaned arg)', () => {
    const s = serviceOf({
      args: { threads: { arg: '-t $(value)' } },
      execution: { runners: { default: { type: 'local', consts: { thread: '4' } } } },
    });
    expect(s.warnings.map((w) => w.reason)).toEqual([
      "'thread' is not an argument id in 'args', so this constant is never used",
      "argument 'threads' has no parameter of that id, no default and no runner constant, so it is never used (parameters: none)",
    ]);
  });
  test('test timeout and interval default to 900 and 3600 seconds', () => {
    const s = serviceOf({ tests: [{ 'applicable-runners': ['default'], parameters: {} }] });
    expect(s.tests[0]).toMatchObject({ timeoutSeconds: 900, intervalSeconds: 3600 });
  });
  test('the revision changes with the content and only with it', () => {
    expect(serviceOf().revision).toBe(serviceOf().revision);
    expect(serviceOf({ command: 'other' }).revision).not.toBe(serviceOf().revision);
  });
});

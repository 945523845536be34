import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/damson-home';
import { DAMSON_BIN } from '../helpers/damson-process';

const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/services');

function check(args: string[], env: Record<string, string> = {}, cwd = REPO_ROOT) {
  const result = spawnSync(process.execPath, [DAMSON_BIN, 'check', ...args], {
    encoding: 'utf8',
    cwd,
    env: { ...process.env, DAMSON_HOME: '', SLIVKA_HOME: '', ...env },
  });
  return {
    code: result.status,
    lines: result.stdout.split('\n').filter(Boolean),
    stderr: result.stderr,
  };
}

test('a good directory: exit 0, no problem lines', () => {
  const { code, lines, stderr } = check([path.join(REPO_ROOT, 'services')]);
  expect(code).toBe(0);
  expect(lines).toEqual([]);
  expect(stderr).toMatch(/3 service files in .*: 3 loaded, 0 with errors, 0 warnings/);
  // The example project's template (pipelines/ next to services/) chains two of them.
  expect(stderr).toMatch(/1 pipeline template loaded, 0 with errors/);
});

test('the collection covering every key: exit 0, no problem lines', () => {
  const { code, lines, stderr } = check([path.join(FIXTURES, 'complete')]);
  expect([code, lines]).toEqual([0, []]);
  expect(stderr).toMatch(/4 service files in .*: 4 loaded, 0 with errors, 0 warnings/);
});

test('broken files: exit 1, one line per file naming file, line, column and key', () => {
  const dir = path.join(FIXTURES, 'broken');
  const { code, lines } = check([dir]);
  expect(code).toBe(1);
  const files = readdirSync(dir).sort();
  expect(lines).toHaveLength(files.length);
  lines.forEach((line, i) => {
    expect(line).toMatch(
      new RegExp(
        `^error: ${dir.replace(/[.]/g, '\\.')}/${files[i].replace(/[.]/g, '\\.')}:\\d+:\\d+: at '[^']*': .+$`,
      ),
    );
  });
});

test('warnings are listed but do not fail the check, unless --strict', () => {
  const { code, lines } = check([path.join(FIXTURES, 'slivka-project/services')]);
  expect(code).toBe(0);
  const strict = check(['--strict', path.join(FIXTURES, 'slivka-project/services')]);
  expect([strict.code, strict.lines]).toEqual([1, lines]);
  expect(lines).toEqual([
    expect.stringMatching(
      /^warning: .*example\.service\.yaml:\d+:\d+: at 'execution\/selector': the Python selector/,
    ),
    expect.stringMatching(
      /^warning: .*example\.service\.yaml:\d+:\d+: at 'tests\/1\/parameters\/intput-file'/,
    ),
  ]);
});

test('without an argument, the services directory comes from the project settings', () => {
  const project = mkdtempSync(path.join(tmpdir(), 'damson-check-'));
  symlinkSync(path.join(FIXTURES, 'broken'), path.join(project, 'svc'));
  writeFileSync(path.join(project, 'settings.yaml'), 'version: "0.8"\ndirectory.services: ./svc\n');
  const { code, lines } = check([], { DAMSON_HOME: project });
  expect(code).toBe(1);
  expect(lines.length).toBe(readdirSync(path.join(FIXTURES, 'broken')).length);
});

test('a missing directory or broken settings: exit 1 with one line', () => {
  const missing = check(['/nonexistent/services']);
  expect(missing.code).toBe(1);
  expect(missing.lines).toEqual([
    expect.stringMatching(
      /^error: \/nonexistent\/services: at '\/': cannot read the services directory/,
    ),
  ]);
  const project = mkdtempSync(path.join(tmpdir(), 'damson-check-'));
  writeFileSync(path.join(project, 'settings.yaml'), 'version: "0.8"\nserver.hostt: x\n');
  const settings = check([], { DAMSON_HOME: project });
  expect(settings.code).toBe(1);
  expect(settings.lines).toEqual([
    expect.stringMatching(/^error: .*settings\.yaml:2.*server\.hostt/),
  ]);
});

test('cluster runner options are checked as the agent reads them; $NAME outside env is flagged', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'damson-check-cluster-'));
  const service = (name: string, runner: string, command = 'echo') =>
    `slivka-version: "0.8.3"\nname: ${name}\nparameters: {}\ncommand: ${command}\nargs: {}\noutputs: {}\n` +
    `execution:\n  runners:\n    default:\n${runner}`;
  writeFileSync(
    path.join(dir, 'a-quote.service.yaml'),
    service(
      'q',
      `      type: SlurmRunner\n      parameters:\n        sbatchargs: "--partition='short"\n`,
    ),
  );
  writeFileSync(
    path.join(dir, 'b-key.service.yaml'),
    service(
      'k',
      `      type: SlurmRunner\n      parameters:\n        sbatch_args: --partition=short\n`,
    ),
  );
  writeFileSync(
    path.join(dir, 'c-env.service.yaml'),
    service('e', '      type: GridEngineRunner\n', `"sh -c 'echo $JOB_ID $$JOB_ID'"`),
  );
  const { code, lines } = check([dir]);
  expect(code).toBe(1);
  expect(lines).toEqual([
    expect.stringMatching(
      /^error: .*a-quote\.service\.yaml:\d+:\d+: at 'execution\/runners\/default\/parameters\/sbatchargs': unterminated single quote/,
    ),
    expect.stringMatching(
      /^error: .*b-key\.service\.yaml:\d+:\d+: at 'execution\/runners\/default\/parameters\/sbatch_args': 'sbatch_args' is not a SlurmRunner parameter; SlurmRunner takes: sbatchargs$/,
    ),
    expect.stringMatching(
      /^warning: .*c-env\.service\.yaml:\d+:\d+: at 'command': '\$JOB_ID' is not in the job's environment .*write '\$\$JOB_ID'/,
    ),
  ]);
});

test('pipeline templates next to the services: broken ones named by file, line and key', () => {
  const project = mkdtempSync(path.join(tmpdir(), 'damson-check-pipelines-'));
  symlinkSync(
    path.join(REPO_ROOT, 'test/fixtures/pipeline-services'),
    path.join(project, 'services'),
  );
  const broken = path.join(REPO_ROOT, 'test/fixtures/pipeline-templates/broken');
  symlinkSync(broken, path.join(project, 'pipelines'));
  const { code, lines, stderr } = check([path.join(project, 'services')]);
  expect(code).toBe(1);
  const files = readdirSync(broken).sort();
  expect(lines).toHaveLength(files.length);
  lines.forEach((line, i) => {
    expect(line).toMatch(
      new RegExp(
        `^error: ${project}/pipelines/${files[i].replace(/[.]/g, '\\.')}:\\d+(:\\d+)?: at '`,
      ),
    );
  });
  expect(stderr).toMatch(/0 pipeline templates loaded, 9 with errors/);
  const good = mkdtempSync(path.join(tmpdir(), 'damson-check-pipelines-'));
  symlinkSync(path.join(REPO_ROOT, 'test/fixtures/pipeline-services'), path.join(good, 'services'));
  const goodTemplates = path.join(REPO_ROOT, 'test/fixtures/pipeline-templates/good');
  symlinkSync(goodTemplates, path.join(good, 'pipelines'));
  const ok = check([path.join(good, 'services')]);
  expect([ok.code, ok.lines]).toEqual([0, []]);
  expect(ok.stderr).toMatch(/1 pipeline template loaded, 0 with errors/);
});

test('without an argument, the templates come from directory.pipelines', () => {
  const project = mkdtempSync(path.join(tmpdir(), 'damson-check-pipelines-'));
  symlinkSync(path.join(REPO_ROOT, 'test/fixtures/pipeline-services'), path.join(project, 'svc'));
  const broken = path.join(REPO_ROOT, 'test/fixtures/pipeline-templates/broken');
  symlinkSync(broken, path.join(project, 'published'));
  writeFileSync(
    path.join(project, 'settings.yaml'),
    'version: "0.8"\ndirectory.services: ./svc\ndirectory.pipelines: ./published\n',
  );
  const { code, lines } = check([], { DAMSON_HOME: project });
  expect(code).toBe(1);
  expect(lines).toHaveLength(readdirSync(broken).length);
  expect(lines[0]).toContain(`${project}/published/`);
});

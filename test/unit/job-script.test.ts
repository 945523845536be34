import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  assignExactly,
  engineJobName,
  parseEngineJobName,
  renderJobScript,
  shellQuote,
} from '../../src/runners/cluster/job-script';
import { INJECTION_PAYLOADS } from '../fixtures/injection-payloads';
import { REPO_ROOT } from '../helpers/damson-home';

const DUMP = path.join(REPO_ROOT, 'test/fixtures/argv-dump.js');

function render(argv: string[], env: Record<string, string> = {}): { cwd: string; script: string } {
  const cwd = mkdtempSync(path.join(tmpdir(), 'damson-script-'));
  const script = renderJobScript({
    jobId: 'AAAAAAAAAAAAAAAA',
    fencingToken: 2,
    cwd,
    argv,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    engineIdVariable: 'SLURM_JOB_ID',
  });
  return { cwd, script };
}

describe('job script', () => {
  it('has at least 40 injection payloads to try', () => {
    expect(INJECTION_PAYLOADS.length).toBeGreaterThanOrEqual(40);
  });

  it('quotes every payload so sh gives it back byte for byte', () => {
    for (const value of INJECTION_PAYLOADS) {
      const out = execFileSync('/bin/sh', ['-c', `${assignExactly('v', value)}; printf %s "$v"`]);
      expect(out.toString('utf8')).toBe(value);
      if (!value.split('').some((c) => c.charCodeAt(0) < 0x20)) {
        expect(execFileSync('/bin/sh', ['-c', `printf %s ${shellQuote(value)}`]).toString()).toBe(
          value,
        );
      }
    }
  });

  it('runs the payloads through a generated script (sh and bash -n accept it, nothing executes)', () => {
    const values = INJECTION_PAYLOADS.map((p) => `--name=${p}`);
    const { cwd, script } = render([process.execPath, DUMP, ...values], {
      DAMSON_PAYLOAD: INJECTION_PAYLOADS.join('|'),
    });
    const file = path.join(cwd, 'job.sh');
    writeFileSync(file, script, { mode: 0o755 });
    mkdirSync(path.join(cwd, '.damson'));
    expect(spawnSync('bash', ['-n', file]).status).toBe(0);
    expect(spawnSync('/bin/sh', ['-n', file]).status).toBe(0);
    expect(script).not.toMatch(/\r/);
    for (const line of script.split('\n')) expect(line).not.toMatch(/^#(SBATCH|\$)/);
    const run = spawnSync(file, [], { cwd: tmpdir(), env: { SLURM_JOB_ID: '77' } });
    expect(run.status).toBe(0);
    const seen = JSON.parse(readFileSync(path.join(cwd, 'argv.json'), 'utf8')) as {
      argv: string[];
      env: Record<string, string>;
    };
    expect(seen.argv).toEqual(values);
    expect(seen.env.DAMSON_PAYLOAD).toBe(INJECTION_PAYLOADS.join('|'));
    expect(seen.env.damson_arg_3).toBeUndefined();
    expect(readFileSync(path.join(cwd, '.damson', 'started-2'), 'utf8')).toBe('77\n');
  });

  it('records the exit status of the tool', () => {
    const { cwd, script } = render(['/bin/sh', '-c', 'echo out; echo err >&2; exit 5']);
    const file = path.join(cwd, 'job.sh');
    writeFileSync(file, script, { mode: 0o755 });
    mkdirSync(path.join(cwd, '.damson'));
    expect(spawnSync(file).status).toBe(5);
    expect(readFileSync(path.join(cwd, '.damson', 'exit-2'), 'utf8')).toBe('5\n');
    expect(readFileSync(path.join(cwd, 'stdout'), 'utf8')).toBe('out\n');
    expect(readFileSync(path.join(cwd, 'stderr'), 'utf8')).toBe('err\n');
  });

  it('refuses what cannot be passed safely', () => {
    expect(() => render(['a\0b'])).toThrow(/NUL/);
    expect(() => render([])).toThrow(/empty/);
    expect(() => render(['true'], { 'BAD-NAME': 'x' })).toThrow(/not valid/);
  });

  it('names engine jobs after the attempt', () => {
    expect(parseEngineJobName(engineJobName('ab_C-12345678901', 3))).toEqual({
      jobId: 'ab_C-12345678901',
      fencingToken: 3,
    });
    expect(parseEngineJobName('someone-else')).toBeNull();
  });
});

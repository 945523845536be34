import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { prepareJobDirectory } from '../../src/runners/prepare-job-directory';
import { ServiceMonitor, testVerdict } from '../../src/services/health/service-monitor';
import { serviceStatus } from '../../src/services/health/service-status';
import type { TestRunOutcome } from '../../src/services/health/test-run-outcome';
import { ServiceCatalog } from '../../src/services/service-catalog';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store';
import type { ServiceStatusRecord } from '../../src/store/job-store';
import type { DispatchSpec } from '../../src/transport/protocol';
import { ConfigError } from '../../src/errors';
import { serviceOf } from '../helpers/service-definition';

describe('test outcomes map to statuses as in slivka (§6.5)', () => {
  test.each<[TestRunOutcome, string, string | RegExp]>([
    [{ kind: 'finished', state: 'COMPLETED', reason: null }, 'OK', ''],
    [
      { kind: 'finished', state: 'INTERRUPTED', reason: null },
      'WARNING',
      'removed from the scheduling system',
    ],
    [
      { kind: 'finished', state: 'DELETED', reason: null },
      'WARNING',
      'removed from the scheduling system',
    ],
    [
      { kind: 'finished', state: 'FAILED', reason: 'exit code 2' },
      'DOWN',
      /^completed unsuccessfully \(FAILED: exit code 2\)$/,
    ],
    [
      { kind: 'finished', state: 'ERROR', reason: null },
      'DOWN',
      /^completed unsuccessfully \(ERROR\)$/,
    ],
    [{ kind: 'finished', state: 'REJECTED', reason: null }, 'DOWN', /^completed unsuccessfully/],
    [{ kind: 'timeout' }, 'WARNING', 'timeout'],
    [
      { kind: 'not-started', reason: "no 'slurm' agent is connected" },
      'DOWN',
      "no 'slurm' agent is connected",
    ],
  ])('%j → %s', (outcome, status, message) => {
    const verdict = testVerdict(outcome);
    expect(verdict.status).toBe(status);
    if (typeof message === 'string') expect(verdict.message).toBe(message);
    else expect(verdict.message).toMatch(message);
  });
});

describe('the service status shown by the API', () => {
  const service = serviceOf({
    execution: { runners: { a: { type: 'local' }, b: { type: 'local' } } },
  });
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
  const record = (
    runner: string,
    status: ServiceStatusRecord['status'],
    s: number,
    message = '',
  ) => ({
    service: 'test',
    runner,
    status,
    message,
    recordedAt: at(s),
  });
  test('UNKNOWN at the epoch without records', () => {
    expect(serviceStatus(service, [], undefined, '/s')).toEqual({
      status: 'UNKNOWN',
      errorMessage: '',
      timestamp: new Date(0),
    });
  });
  test('the worst runner wins; its message names the runner', () => {
    expect(
      serviceStatus(
        service,
        [record('a', 'OK', 1), record('b', 'DOWN', 2, 'boom')],
        undefined,
        '/s',
      ),
    ).toEqual({
      status: 'DOWN',
      errorMessage: 'b: boom',
      timestamp: at(2),
    });
  });
  test('runners no longer in the file and other services do not count', () => {
    const records = [
      record('a', 'OK', 1),
      record('gone', 'DOWN', 2),
      { ...record('a', 'DOWN', 3), service: 'other' },
    ];
    expect(serviceStatus(service, records, undefined, '/s').status).toBe('OK');
  });
  test('a broken file shows as WARNING while the last good version serves', () => {
    const since = at(9);
    const error = new ConfigError('/s/test.service.yaml', 'name', 'expected a string', 2, 7);
    const view = serviceStatus(service, [record('a', 'OK', 1)], { error, since }, '/s');
    expect(view.status).toBe('WARNING');
    expect(view.errorMessage).toBe(
      "the service file has an error; the last good version is serving: test.service.yaml:2:7: at 'name': expected a string",
    );
    expect(view.timestamp).toBe(since);
    expect(
      serviceStatus(service, [record('a', 'DOWN', 1, 'x')], { error, since }, '/s').status,
    ).toBe('DOWN');
  });
});

describe('public status messages carry no server path', () => {
  const service = serviceOf({ execution: { runners: { a: { type: 'local' } } } });
  test('a file error names the file relative to the services directory', () => {
    const error = new ConfigError(
      '/srv/damson/services/test.service.yaml',
      '',
      "EACCES: permission denied, open '/srv/damson/services/test.service.yaml'",
    );
    const view = serviceStatus(service, [], { error, since: new Date(0) }, '/srv/damson/services');
    expect(view.errorMessage).toBe(
      "the service file has an error; the last good version is serving: test.service.yaml: at '/': EACCES: permission denied, open 'test.service.yaml'",
    );
  });
  test('other absolute paths in a reason or a health message are replaced', () => {
    const error = new ConfigError(
      '/srv/s/test.service.yaml',
      'x',
      'cannot read /etc/damson/x.yaml',
    );
    expect(serviceStatus(service, [], { error, since: new Date(0) }, '/srv/s').errorMessage).toBe(
      "the service file has an error; the last good version is serving: test.service.yaml: at 'x': cannot read <path>",
    );
    const record = {
      service: 'test',
      runner: 'a',
      status: 'DOWN' as const,
      message: "spawn /opt/tools/bin/t ENOENT (cwd '/srv/jobs/aa/bb/x'); expected text/plain",
      recordedAt: new Date(1),
    };
    expect(serviceStatus(service, [record], undefined, '/srv/s').errorMessage).toBe(
      "a: spawn <path> ENOENT (cwd '<path>'); expected text/plain",
    );
  });
});

/** Runs a dispatch spec as the local agent would: prepare the directory, spawn argv, no shell. */
async function runLocally(
  spec: DispatchSpec,
  _kind: string,
  timeoutMs: number,
): Promise<TestRunOutcome> {
  await prepareJobDirectory(spec.cwd, spec.links);
  return new Promise((resolve) => {
    const child = spawn(spec.argv[0], spec.argv.slice(1), {
      cwd: spec.cwd,
      env: spec.env,
      stdio: 'ignore',
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ kind: 'timeout' });
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({
        kind: 'finished',
        state: code === 0 ? 'COMPLETED' : 'FAILED',
        reason: `exit code ${code}`,
      });
    });
  });
}

describe('the monitor', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'damson-monitor-'));
  const services = path.join(root, 'services');
  mkdirSync(services);
  writeFileSync(path.join(root, 'input.txt'), 'expected content\n');
  // The tool checks that its symlinked input holds what the test expects.
  writeFileSync(
    path.join(services, 'checked.service.yaml'),
    `slivka-version: "0.8.3"
name: Checked
parameters:
  input: {name: Input, type: file}
  mode: {name: Mode, type: text}
command: ["${process.execPath}", "-e", "const fs = require('fs'); const [file, mode] = process.argv.slice(1); if (mode === 'sleep') setTimeout(() => {}, 5000); else process.exit(fs.readFileSync(file, 'utf8') === 'expected content\\\\n' && mode === 'ok' && !process.env.FAIL ? 0 : 3)", "--"]
args:
  input: {arg: $(value), symlink: in.txt}
  mode: {arg: $(value)}
outputs: {log: {path: stdout}}
execution:
  runners:
    fine: {type: ShellRunner}
    broken: {type: ShellRunner, env: {FAIL: "yes"}}
    slow: {type: ShellRunner, consts: {mode: sleep}}
    unsupported: {type: LSFRunner}
tests:
  - applicable-runners: [fine, broken, unsupported]
    parameters: {input: "\${DAMSON_HOME}/input.txt", mode: ok}
    interval: 3600
  - applicable-runners: [slow]
    parameters: {input: "\${SLIVKA_HOME}/input.txt"}
    timeout: 1
`,
  );
  const store = new SqliteJobStore(path.join(root, 'store.sqlite'));
  afterAll(() => store.close());
  const catalog = new ServiceCatalog(services);
  const log = pino({ level: 'silent' });
  const runs: DispatchSpec[] = [];
  const monitor = new ServiceMonitor(
    catalog,
    store,
    (spec, kind, timeoutMs) => {
      runs.push(spec);
      return runLocally(spec, kind, timeoutMs);
    },
    {
      pollIntervalMs: 60_000,
      jobsDirectory: path.join(root, 'jobs'),
      host: { processEnv: { PATH: process.env.PATH }, home: root },
      runnerKind: (type) => (type === 'ShellRunner' ? 'local' : undefined),
    },
    log,
  );
  afterAll(() => monitor.stop());

  test('runs every due test on each applicable runner and records the outcomes', async () => {
    expect(catalog.reload()).toEqual([]);
    await monitor.poll();
    const current = await store.currentServiceStatuses();
    expect(current.map((r) => [r.runner, r.status, r.message])).toEqual([
      ['broken', 'DOWN', 'completed unsuccessfully (FAILED: exit code 3)'],
      ['fine', 'OK', ''],
      ['slow', 'WARNING', 'timeout'],
      ['unsupported', 'DOWN', "runner type 'LSFRunner' is not supported"],
    ]);
    // Environment references in test values are expanded; inputs are symlinked like a job's.
    const fine = runs.find((r) => r.runner === 'fine');
    expect(fine?.links).toEqual([{ name: 'in.txt', target: path.join(root, 'input.txt') }]);
    expect(fine?.jobId).toMatch(/^service-test-[0-9a-f]{16}$/);
    expect(fine?.cwd.startsWith(path.join(root, 'jobs', '.service-tests'))).toBe(true);
    // Finished tests leave nothing behind; the timed-out one keeps its directory.
    expect(readdirSync(path.join(root, 'jobs', '.service-tests'))).toEqual([
      path.basename(runs.find((r) => r.runner === 'slow')?.cwd ?? ''),
    ]);
  }, 15_000);

  test('a test is not run again before its interval has passed', async () => {
    const before = runs.length;
    await monitor.poll(Date.now() + 2000);
    // Intervals are 3600 s: nothing is due yet.
    expect(runs.length).toBe(before);
    await monitor.poll(Date.now() + 3601_000);
    // All four are due again; the unsupported runner is recorded without being run.
    expect(runs.length).toBe(before + 3);
  }, 15_000);

  test('an edited service file is tested again at once, not after its interval', async () => {
    const file = path.join(services, 'checked.service.yaml');
    const fixed = readFileSync(file, 'utf8').replace('env: {FAIL: "yes"}', 'env: {FIXED: "yes"}');
    writeFileSync(file, fixed);
    expect(catalog.reload()).toEqual([]);
    const before = runs.length;
    // One second later, far inside the 3600 s interval of the last runs.
    await monitor.poll(Date.now() + 3602_000);
    expect(runs.length).toBe(before + 3);
    const current = await store.currentServiceStatuses();
    expect(current.find((r) => r.runner === 'broken')?.status).toBe('OK');
    // Unchanged since: back to the interval.
    await monitor.poll(Date.now() + 3603_000);
    expect(runs.length).toBe(before + 3);
  }, 15_000);
});

describe('several tests on one runner', () => {
  test('the worst latest outcome is recorded, whichever finishes last', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'damson-monitor-'));
    const services = path.join(root, 'services');
    mkdirSync(services);
    writeFileSync(
      path.join(services, 'two.service.yaml'),
      `slivka-version: "0.8.3"
name: Two tests
parameters:
  code: {name: Code, type: text}
command: ["${process.execPath}", "-e", "setTimeout(() => process.exit(Number(process.argv[1])), process.argv[1] === '0' ? 300 : 0)", "--"]
args:
  code: {arg: $(value)}
outputs: {}
execution:
  runners:
    default: {type: ShellRunner}
tests:
  - applicable-runners: [default]
    parameters: {code: "0"}
  - applicable-runners: [default]
    parameters: {code: "4"}
`,
    );
    const store = new SqliteJobStore(path.join(root, 'store.sqlite'));
    const catalog = new ServiceCatalog(services);
    catalog.reload();
    const monitor = new ServiceMonitor(
      catalog,
      store,
      runLocally,
      {
        pollIntervalMs: 60_000,
        jobsDirectory: path.join(root, 'jobs'),
        host: { processEnv: { PATH: process.env.PATH }, home: root },
        runnerKind: () => 'local',
      },
      pino({ level: 'silent' }),
    );
    // The passing test finishes last; slivka would then have shown OK.
    await monitor.poll();
    monitor.stop();
    const [current] = await store.currentServiceStatuses();
    expect([current.status, current.message]).toEqual([
      'DOWN',
      'test 2: completed unsuccessfully (FAILED: exit code 4)',
    ]);
    await store.close();
  }, 15_000);
});

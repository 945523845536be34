import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger } from '../../src/lifecycle/logger';
import type { AgentInfo } from '../../src/scheduler/agent-link';
import { CircuitBreaker } from '../../src/scheduler/circuit-breaker';
import { EngineHealthFeed } from '../../src/scheduler/engine-health-feed';
import { RunnerBreakers } from '../../src/scheduler/runner-breakers';
import { ServiceCatalog } from '../../src/services/service-catalog';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store';
import {
  decodeAgentMessage,
  encode,
  ProtocolError,
  type AgentMessage,
} from '../../src/transport/protocol';
import { SCHEDULER_SERVICES } from '../helpers/scheduler-harness';
import { waitFor } from '../helpers/wait-for';

type Health = Extract<AgentMessage, { type: 'runner-health' }>;

const health = (
  ok: boolean,
  consecutiveFailures: number,
  reason: string | null = null,
): Health => ({
  v: 2,
  type: 'runner-health',
  kind: 'slurm',
  ok,
  consecutiveFailures,
  reason,
});

describe('runner-health message decoding', () => {
  it('accepts a failure and a recovery report, and encodes them back the same', () => {
    for (const message of [health(false, 3, 'squeue: exit status 1'), health(true, 0)]) {
      expect(decodeAgentMessage(encode(message))).toEqual(message);
    }
    const bare = {
      v: 2,
      type: 'runner-health',
      kind: 'gridengine',
      ok: false,
      consecutiveFailures: 1,
    };
    expect(decodeAgentMessage(Buffer.from(JSON.stringify(bare)))).toEqual(bare);
  });

  const bad: [string, unknown][] = [
    ['ok with failures in a row', { ...health(true, 0), consecutiveFailures: 2 }],
    ['a failure counting none', health(false, 0)],
    ['a negative count', health(false, -1)],
    ['a fractional count', health(false, 1.5)],
    ['no kind', { v: 2, type: 'runner-health', ok: true, consecutiveFailures: 0 }],
    ['an empty kind', { ...health(true, 0), kind: '' }],
    ['ok as a string', { ...health(true, 0), ok: 'yes' }],
    ['an overlong reason', health(false, 1, 'x'.repeat(501))],
    ['another version', { ...health(true, 0), v: 1 }],
  ];
  it.each(bad)('refuses %s', (_why, message) => {
    expect(() => decodeAgentMessage(Buffer.from(JSON.stringify(message)))).toThrow(ProtocolError);
  });
});

describe('a breaker fed failures counted in a row elsewhere', () => {
  const settings = { failures: 3, windowMs: 1000, backoffMs: 1000, maxBackoffMs: 8000 };

  it('opens on the reported count, however far apart the failures were', () => {
    const b = new CircuitBreaker(settings, () => 1);
    expect(b.failure('squeue', 0, 1)).toBe(false);
    expect(b.failure('squeue', 5000, 2)).toBe(false); // beyond the window: still 2 in a row
    expect(b.failure('squeue', 20_000, 3)).toBe(true);
    expect(b.snapshot()).toMatchObject({ state: 'open', consecutiveFailures: 3 });
  });
});

describe('engine health feeding the breakers of the runners of that kind', () => {
  const breakerSettings = {
    failures: 3,
    windowMs: 60_000,
    backoffMs: 60_000,
    maxBackoffMs: 60_000,
  };
  let store: SqliteJobStore;
  let breakers: RunnerBreakers;
  let feed: EngineHealthFeed;
  let catalog: ServiceCatalog;
  const agent = (bootId = 'boot-1', kinds = ['slurm']): AgentInfo => ({
    routingId: Buffer.from('r'),
    name: 'slurm@submit',
    bootId,
    kinds,
    slots: 10,
    lastHeardAt: Date.now(),
    jobs: new Map(),
    unacked: new Map(),
  });
  const state = (service: string) => {
    const now = Date.now();
    return breakers.capacity(service, 'default', now, 1) === 0 ? 'open' : 'closed';
  };

  beforeEach(() => {
    const dir = mkdtempSync(path.join(tmpdir(), 'damson-health-'));
    const services = path.join(dir, 'services');
    mkdirSync(services);
    const ledger = readFileSync(path.join(SCHEDULER_SERVICES, 'ledger.service.yaml'), 'utf8');
    writeFileSync(path.join(services, 'ledger.service.yaml'), ledger);
    writeFileSync(
      path.join(services, 'slurmy.service.yaml'),
      ledger.replace('name: ledger', 'name: slurmy').replace('ShellRunner', 'SlurmRunner'),
    );
    catalog = new ServiceCatalog(services);
    expect(catalog.reload()).toEqual([]);
    store = new SqliteJobStore(path.join(dir, 'damson.sqlite'));
    const log = createLogger('test', 'silent');
    breakers = new RunnerBreakers(store, breakerSettings, log);
    feed = new EngineHealthFeed(catalog, breakers, log);
  });

  afterEach(async () => {
    await store.close();
  });

  it('opens the breakers of that kind only, ignores repeats, and closes on success', async () => {
    const a = agent();
    feed.report(a, health(false, 1, 'squeue: exit status 1'));
    feed.report(a, health(false, 2, 'squeue: exit status 1'));
    for (let i = 0; i < 5; i++) feed.report(a, health(false, 2, 'squeue: exit status 1'));
    expect(state('slurmy')).toBe('closed');
    feed.report(a, health(false, 3, 'squeue: exit status 1'));
    expect(state('slurmy')).toBe('open');
    expect(state('ledger')).toBe('closed');
    const status = await waitFor(
      async () =>
        (await store.currentServiceStatuses()).find(
          (r) => r.service === 'slurmy' && r.status === 'DOWN',
        ),
      'the service status to show the open breaker',
    );
    expect(status.message).toMatch(/slurm engine tools failing \(3 in a row\): squeue/);
    feed.report(a, health(true, 0));
    expect(state('slurmy')).toBe('closed');
    await waitFor(
      async () =>
        (await store.currentServiceStatuses()).find(
          (r) => r.service === 'slurmy' && r.status === 'OK',
        ),
      'the service status to show the closed breaker',
    );
  });

  it('ignores a report resent to the same scheduler, counts a new boot and a new scheduler', () => {
    feed.report(agent('boot-1'), health(false, 2));
    feed.report(agent('boot-1'), health(false, 2)); // resent after a reconnect: not counted
    expect(state('slurmy')).toBe('closed');
    feed.report(agent('boot-2'), health(false, 1)); // the agent restarted: a third failure
    expect(state('slurmy')).toBe('open');
    // A restarted scheduler hears the agent's count after its welcome and opens at once.
    const log = createLogger('test', 'silent');
    breakers = new RunnerBreakers(store, breakerSettings, log);
    new EngineHealthFeed(catalog, breakers, log).report(agent('boot-2'), health(false, 4));
    expect(state('slurmy')).toBe('open');
  });

  it('drops a report for a kind the agent does not serve', () => {
    feed.report(agent('boot-1', ['gridengine']), health(false, 5));
    expect(state('slurmy')).toBe('closed');
  });
});

import { existsSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { ConfigError } from '../errors';
import { makePrivateDirectory } from '../lifecycle/private-paths';
import { buildApiSettings } from './api-settings';
import { buildWebhookSettings } from './webhook-settings';
import { buildRetentionExtras } from './retention-settings';
import { settingsSchema } from './settings-schema';
import { resolveIn, type Settings, type StoreSettings } from './settings';
import { YamlSource } from './yaml-source';

/** `scheduler.timeout` when unset: a day, longer than any interactive tool needs. */
export const DEFAULT_RUN_TIME_LIMIT_SECONDS = 24 * 60 * 60;

const CANDIDATES = [
  'settings.yaml',
  'settings.yml',
  'config.yaml',
  'config.yml',
  'config/settings.yaml',
  'config/settings.yml',
];

type Flat = Record<string, unknown>;

/** The project directory: DAMSON_HOME, else SLIVKA_HOME (slivka projects), else the cwd. */
export function projectHome(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.DAMSON_HOME || env.SLIVKA_HOME || process.cwd());
}

export function findSettingsFile(home: string): string | null {
  for (const name of CANDIDATES) {
    const candidate = path.join(home, name);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/** Nested and dotted keys are the same key; parent keys are lower-cased as slivka does. */
function flatten(value: unknown, prefix = '', out: Flat = {}): Flat {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) {
      const name = prefix ? `${prefix}.${key}` : key;
      if (child && typeof child === 'object' && !Array.isArray(child)) {
        flatten(child, name.toLowerCase(), out);
      } else {
        out[name] = child;
      }
    }
  }
  return out;
}

/** How long a cluster agent may be away before its jobs are written off (6 h). */
export const CLUSTER_LOST_JOB_GRACE_MS = 6 * 3600 * 1000;

const ajv = new Ajv({ allErrors: false, strict: true });
const validateFlat = ajv.compile(settingsSchema);

function parsePort(host: string): { host: string; port: number } {
  const at = host.lastIndexOf(':');
  return { host: host.slice(0, at), port: Number(host.slice(at + 1)) };
}

function normaliseAddress(address: string): string {
  if (address.startsWith('unix://')) return `ipc://${address.slice('unix://'.length)}`;
  return /^[a-z]+:\/\//.test(address) ? address : `tcp://${address}`;
}

function storeSettings(flat: Flat, home: string, dataDir: string): StoreSettings {
  const url = flat['store.url'] as string | undefined;
  if (url?.startsWith('sqlite:')) {
    return { kind: 'sqlite', file: resolveIn(home, url.slice('sqlite:'.length)) };
  }
  const database = (flat['mongodb.database'] as string | undefined) ?? 'damson';
  if (url) return { kind: 'mongodb', url, database };
  const host = flat['mongodb.host'] as string | undefined;
  const socket = flat['mongodb.socket'] as string | undefined;
  if (!host && !socket) return { kind: 'sqlite', file: path.join(dataDir, 'damson.sqlite') };
  const user = flat['mongodb.username'] as string | undefined;
  const password = flat['mongodb.password'] as string | undefined;
  const credentials = user
    ? `${encodeURIComponent(user)}${password ? `:${encodeURIComponent(password)}` : ''}@`
    : '';
  const where = socket ? encodeURIComponent(socket) : host;
  return { kind: 'mongodb', url: `mongodb://${credentials}${where}/`, database };
}

/**
 * Reads and validates the project's settings. Directories are resolved against the project home
 * and created, so every later step can rely on them.
 */
export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const home = projectHome(env);
  const file = findSettingsFile(home);
  let flat: Flat = { version: '0.8' };
  let source: YamlSource | undefined;
  if (file) {
    source = YamlSource.read(file);
    const raw = source.toJS();
    if (raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
      throw new ConfigError(file, '', 'the settings file must be a mapping of keys to values');
    }
    flat = flatten(raw ?? {});
  }
  if (!validateFlat(flat)) {
    const problem = validateFlat.errors?.[0];
    const key =
      (problem?.params as { additionalProperty?: string })?.additionalProperty ??
      problem?.instancePath.replace(/^\//, '').replace(/~1/g, '/') ??
      '';
    const reason =
      problem?.keyword === 'additionalProperties'
        ? `unknown setting '${key}'`
        : (problem?.message ?? 'invalid');
    // Keys are written dotted (`server.host: …`) or nested (`server: {host: …}`).
    const position =
      source?.positionOf([key], true, true) ?? source?.positionOf(key.split('.'), true);
    const line = position?.line;
    throw new ConfigError(file ?? home, key, reason, line);
  }
  return buildSettings(flat, home, file);
}

function buildSettings(flat: Flat, home: string, file: string | null): Settings {
  const str = (key: string, fallback: string): string =>
    (flat[key] as string | undefined) ?? fallback;
  const int = (key: string, fallback: number): number =>
    (flat[key] as number | undefined) ?? fallback;
  const dir = (key: string, fallback: string): string => {
    const resolved = resolveIn(home, str(key, fallback));
    makePrivateDirectory(resolved);
    return resolved;
  };
  const services = resolveIn(home, str('directory.services', './services'));
  const directories = {
    uploads: dir('directory.uploads', './media/uploads'),
    jobs: dir('directory.jobs', './media/jobs'),
    logs: dir('directory.logs', './log'),
    services,
    pipelines: resolveIn(
      home,
      str('directory.pipelines', path.join(path.dirname(services), 'pipelines')),
    ),
    data: dir('directory.data', './data'),
  };
  const listen = parsePort(str('server.host', '127.0.0.1:4040'));
  return {
    home,
    file,
    version: String(flat.version),
    directories,
    server: {
      host: listen.host,
      port: listen.port,
      uploadsPath: str('server.uploads-path', '/media/uploads').replace(/\/+$/, ''),
      jobsPath: str('server.jobs-path', '/media/jobs').replace(/\/+$/, ''),
      prefix: str('server.prefix', '').replace(/\/+$/, ''),
      media: str('server.media', 'app') as 'app' | 'proxy',
      maxFileBytes: int('server.max-file-size', 100 * 1024 * 1024),
      maxFiles: int('server.max-files', 20),
      maxFields: int('server.max-fields', 1000),
      // A parameter value is small; data travels as file parts. Both caps bound the memory one
      // request can hold (a field is kept whole until it ends).
      maxFieldBytes: int('server.max-field-size', 1024 * 1024),
      maxTextBytes: int('server.max-text-size', 16 * 1024 * 1024),
    },
    scheduler: {
      agentsAddress: normaliseAddress(str('local-queue.host', 'tcp://127.0.0.1:4041')),
      wakeAddress: normaliseAddress(str('scheduler.wake-address', 'tcp://127.0.0.1:4042')),
      changesAddress: normaliseAddress(str('scheduler.changes-address', 'tcp://127.0.0.1:4043')),
      pollIntervalMs: int('scheduler.poll-interval', 1000),
      leaseMs: int('scheduler.lease', 30000),
      heartbeatIntervalMs: int('scheduler.heartbeat-interval', 1000),
      // No job runs forever unless an admin says so (0); services set their own `timeout`.
      timeoutSeconds: int('scheduler.timeout', DEFAULT_RUN_TIME_LIMIT_SECONDS) || null,
      retries: int('scheduler.retries', 1),
      maxRetries: int('scheduler.max-retries', 3),
      lostJobGraceMs: {
        local: int('scheduler.lost-job-grace.local', int('scheduler.lost-job-grace', 5000)),
        // A cluster engine keeps running a job while its agent is away: hours, not seconds.
        slurm: int('scheduler.lost-job-grace.slurm', CLUSTER_LOST_JOB_GRACE_MS),
        gridengine: int('scheduler.lost-job-grace.gridengine', CLUSTER_LOST_JOB_GRACE_MS),
      },
      breaker: {
        failures: int('scheduler.breaker-failures', 5),
        windowMs: int('scheduler.breaker-window', 60_000),
        backoffMs: int('scheduler.breaker-backoff', 1000),
        maxBackoffMs: int('scheduler.breaker-max-backoff', 60_000),
      },
    },
    link: {
      keysDirectory: resolveIn(home, str('link.keys-directory', './keys')),
      // `auto` (open on loopback) was the default of earlier releases; it now means `curve`.
      security: str('link.security', 'curve') === 'none' ? 'none' : 'curve',
    },
    localAgent: {
      slots: int('local-agent.slots', 4),
      outputQuotaBytes: int('local-agent.output-quota', 1024 * 1024 * 1024),
    },
    store: storeSettings(flat, home, directories.data),
    retention: {
      finishedJobDays: (flat['store.retention-days'] as number | undefined) ?? null,
      uploadDays: int('store.upload-retention-days', 7) || null,
      orphanAgeMs: int('store.upload-orphan-age', 600_000),
      sweepIntervalMs: int('store.retention-sweep-interval', 3_600_000),
      ...buildRetentionExtras(flat, file ?? home),
    },
    supervisor: {
      restartDelayMs: int('supervisor.restart-delay', 500),
      maxRestartDelayMs: Math.max(
        int('supervisor.max-restart-delay', 30_000),
        int('supervisor.restart-delay', 500),
      ),
      stableAfterMs: int('supervisor.stable-after', 60_000),
    },
    logLevel: str('log.level', 'info'),
    api: buildApiSettings(flat),
    webhooks: buildWebhookSettings(flat, home, file ?? home),
  };
}

import { existsSync } from 'node:fs';
import { buildMetricsSettings } from './metrics-settings';
import path from 'node:path';
import Ajv from 'ajv';
import { ConfigError } from '../errors';
import { makePrivateDirectory } from '../lifecycle/private-paths';
import { buildApiSettings } from './api-settings';
import { buildWebhookSettings } from './webhook-settings';
import { buildRetentionExtras } from './retention-settings';
import { settingOr } from './setting-declarations';
import {
  CLUSTER_LOST_JOB_GRACE_MS,
  DEFAULT_RUN_TIME_LIMIT_SECONDS,
} from './setting-declarations/scheduler-settings';
import { settingsSchema } from './settings-schema';
import { resolveIn, type Settings, type StoreSettings } from './settings';
import { YamlSource } from './yaml-source';

export { DEFAULT_RUN_TIME_LIMIT_SECONDS, CLUSTER_LOST_JOB_GRACE_MS };

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
  const database = settingOr<string>(flat, 'mongodb.database');
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
  const str = (key: string): string => settingOr<string>(flat, key);
  const int = (key: string): number => settingOr<number>(flat, key);
  const dir = (key: string): string => {
    const resolved = resolveIn(home, str(key));
    makePrivateDirectory(resolved);
    return resolved;
  };
  const services = resolveIn(home, str('directory.services'));
  const directories = {
    uploads: dir('directory.uploads'),
    jobs: dir('directory.jobs'),
    logs: dir('directory.logs'),
    services,
    // Absent: `pipelines` next to the services directory, wherever that is.
    pipelines: resolveIn(
      home,
      (flat['directory.pipelines'] as string | undefined) ??
        path.join(path.dirname(services), 'pipelines'),
    ),
    data: dir('directory.data'),
  };
  const listen = parsePort(str('server.host'));
  return {
    home,
    file,
    version: String(flat.version),
    directories,
    server: {
      host: listen.host,
      port: listen.port,
      uploadsPath: str('server.uploads-path').replace(/\/+$/, ''),
      jobsPath: str('server.jobs-path').replace(/\/+$/, ''),
      prefix: str('server.prefix').replace(/\/+$/, ''),
      media: str('server.media') as 'app' | 'proxy',
      maxFileBytes: int('server.max-file-size'),
      maxFiles: int('server.max-files'),
      maxFields: int('server.max-fields'),
      // A parameter value is small; data travels as file parts. Both caps bound the memory one
      // request can hold (a field is kept whole until it ends).
      maxFieldBytes: int('server.max-field-size'),
      maxTextBytes: int('server.max-text-size'),
    },
    scheduler: {
      agentsAddress: normaliseAddress(str('local-queue.host')),
      wakeAddress: normaliseAddress(str('scheduler.wake-address')),
      changesAddress: normaliseAddress(str('scheduler.changes-address')),
      pollIntervalMs: int('scheduler.poll-interval'),
      leaseMs: int('scheduler.lease'),
      heartbeatIntervalMs: int('scheduler.heartbeat-interval'),
      // No job runs forever unless an admin says so (0); services set their own `timeout`.
      timeoutSeconds: int('scheduler.timeout') || null,
      retries: int('scheduler.retries'),
      maxRetries: int('scheduler.max-retries'),
      lostJobGraceMs: {
        // The local kind's own key, else the plain integer (the local agents' grace).
        local:
          (flat['scheduler.lost-job-grace.local'] as number | undefined) ??
          int('scheduler.lost-job-grace'),
        // A cluster engine keeps running a job while its agent is away: hours, not seconds.
        slurm: int('scheduler.lost-job-grace.slurm'),
        gridengine: int('scheduler.lost-job-grace.gridengine'),
      },
      breaker: {
        failures: int('scheduler.breaker-failures'),
        windowMs: int('scheduler.breaker-window'),
        backoffMs: int('scheduler.breaker-backoff'),
        maxBackoffMs: int('scheduler.breaker-max-backoff'),
      },
    },
    link: {
      keysDirectory: resolveIn(home, str('link.keys-directory')),
      // `auto` (open on loopback) was the default of earlier releases; it now means `curve`.
      security: str('link.security') === 'none' ? 'none' : 'curve',
    },
    localAgent: {
      slots: int('local-agent.slots'),
      outputQuotaBytes: int('local-agent.output-quota'),
    },
    store: storeSettings(flat, home, directories.data),
    retention: {
      finishedJobDays: (flat['store.retention-days'] as number | undefined) ?? null,
      uploadDays: int('store.upload-retention-days') || null,
      orphanAgeMs: int('store.upload-orphan-age'),
      sweepIntervalMs: int('store.retention-sweep-interval'),
      ...buildRetentionExtras(flat, file ?? home),
    },
    supervisor: {
      restartDelayMs: int('supervisor.restart-delay'),
      maxRestartDelayMs: Math.max(
        int('supervisor.max-restart-delay'),
        int('supervisor.restart-delay'),
      ),
      stableAfterMs: int('supervisor.stable-after'),
      processes: str('supervisor.processes') as 'combined' | 'separate',
    },
    logLevel: str('log.level'),
    api: buildApiSettings(flat),
    webhooks: buildWebhookSettings(flat, home, file ?? home),
    metrics: buildMetricsSettings(flat, file ?? home),
  };
}

import { ConfigError } from '../errors';

/** A TCP listen address. */
export interface ListenAddress {
  host: string;
  port: number;
}

/** Who may read the server's `/metrics`. */
export type ServerMetricsAccess = 'local' | 'any' | 'off';

/** Prometheus metrics and health endpoints (docs/metrics.md). */
export interface MetricsSettings {
  /**
   * `local` (default): only a client on the same host that did not come through a proxy (no
   * `X-Forwarded-For`/`Forwarded`); `any`: every client (restrict it with a firewall or nginx);
   * `off`: 404.
   */
  server: ServerMetricsAccess;
  /** Where the scheduler serves /metrics, /healthz and /readyz; null: nowhere. */
  schedulerAddress: ListenAddress | null;
  /** Where an agent serves /metrics and /healthz (`damson agent --metrics-address`); null: off. */
  agentAddress: ListenAddress | null;
  /** The job counts (a grouped count over every job) are re-read at most this often. */
  jobCountsIntervalMs: number;
}

const ADDRESS = '^(off|[^:\\s]+:\\d{1,5})$';
// An unquoted `off` is YAML 1.1's false (slivka's settings are read as PyYAML reads them).
const ADDRESS_OR_OFF = { anyOf: [{ type: 'string', pattern: ADDRESS }, { const: false }] };

export const metricsSettingsProperties = {
  'metrics.server': { enum: ['local', 'any', 'off', false] },
  'metrics.scheduler-address': ADDRESS_OR_OFF,
  'metrics.agent-address': ADDRESS_OR_OFF,
  'metrics.job-counts-interval': { type: 'integer', minimum: 1000, maximum: 600_000 },
} as const;

export const DEFAULT_SCHEDULER_METRICS_ADDRESS = '127.0.0.1:4044';

/** `host:port` (port 1-65535) or `off`; `key` names the setting or option in the error. */
export function parseListenAddress(value: string, file: string, key: string): ListenAddress | null {
  if (value === 'off') return null;
  const at = value.lastIndexOf(':');
  const host = value.slice(0, at);
  const port = Number(value.slice(at + 1));
  if (at < 1 || !/^[^:\s]+$/.test(host) || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new ConfigError(file, key, `expected host:port (port 1-65535) or off, not '${value}'`);
  return { host, port };
}

export function buildMetricsSettings(flat: Record<string, unknown>, file: string): MetricsSettings {
  const str = (key: string, fallback: string): string => {
    const value = flat[key] as string | false | undefined;
    return value === false ? 'off' : (value ?? fallback);
  };
  return {
    server: str('metrics.server', 'local') as ServerMetricsAccess,
    schedulerAddress: parseListenAddress(
      str('metrics.scheduler-address', DEFAULT_SCHEDULER_METRICS_ADDRESS),
      file,
      'metrics.scheduler-address',
    ),
    agentAddress: parseListenAddress(
      str('metrics.agent-address', 'off'),
      file,
      'metrics.agent-address',
    ),
    jobCountsIntervalMs: (flat['metrics.job-counts-interval'] as number | undefined) ?? 5000,
  };
}

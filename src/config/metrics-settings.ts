import { ConfigError } from '../errors';
import { declaredDefault, settingOr } from './setting-declarations';

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

export const DEFAULT_SCHEDULER_METRICS_ADDRESS = declaredDefault(
  'metrics.scheduler-address',
) as string;

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
  const str = (key: string): string => {
    const value = settingOr<string | false>(flat, key);
    return value === false ? 'off' : value;
  };
  return {
    server: str('metrics.server') as ServerMetricsAccess,
    schedulerAddress: parseListenAddress(
      str('metrics.scheduler-address'),
      file,
      'metrics.scheduler-address',
    ),
    agentAddress: parseListenAddress(str('metrics.agent-address'), file, 'metrics.agent-address'),
    jobCountsIntervalMs: settingOr<number>(flat, 'metrics.job-counts-interval'),
  };
}

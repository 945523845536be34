/**
 * Settings of the REST API that slivka does not have: waiting for job changes, rate limits, API
 * tokens and per-service upload limits. Kept apart from the core settings so each stays small.
 */

import { buildOwnerSettings, type OwnerSettings, type TokenShare } from './owner-settings';
import { buildLiveOutputSettings, type LiveOutputSettings } from './live-output-settings';
import { settingOr } from './setting-declarations';
import { SERVICE_LIMIT, TOKEN_SCOPES } from './setting-declarations/api-settings';

export interface UploadLimits {
  maxFileBytes: number;
  maxFiles: number;
  maxFields: number;
  maxFieldBytes: number;
  /** All text of one request together: field names and values, or a whole JSON body. */
  maxTextBytes: number;
}

export { TOKEN_SCOPES };
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export interface ApiToken extends TokenShare {
  /** Shown in logs and used as the rate-limit key; never the secret itself. */
  name: string;
  token: string;
  /** Per-window limits for this client; absent means the general limit. */
  requests?: number;
  submissions?: number;
  /**
   * `priority`: may submit with `?priority=` above 0 (jump ahead of other clients' jobs).
   * `admin`: may rerun jobs in bulk (`POST /jobs/rerun`) and use the admin API (`/admin/…`).
   */
  scopes?: TokenScope[];
}

export interface ApiSettings extends LiveOutputSettings, OwnerSettings {
  /** How often the server re-reads jobs that long-poll and SSE clients are waiting on. */
  watchIntervalMs: number;
  rateLimit: {
    windowMs: number;
    /** API requests per client per window; 0 = no limit. */
    requests: number;
    /** Job submissions and uploads per client per window; 0 = no limit. */
    submissions: number;
  };
  tokens: ApiToken[];
  /**
   * How long a server trusts its cached lookup of a token made with `damson tokens`: a revoked
   * token is refused by every server within this time. 0 reads the store on every request.
   */
  tokenCacheMs: number;
  /** When true, every API request must carry a configured token. */
  requireToken: boolean;
  /**
   * Who may list jobs (`GET /api/jobs`): only clients with an API token (the default), or
   * `anyone`. Job ids are the only secret guarding a job's results, its inputs and its cancel, so
   * listing them to all is an operator's explicit choice.
   */
  listJobs: 'anyone' | 'token';
  /** Upload limits for one service (lower-case id), over the server-wide ones. */
  serviceLimits: Record<string, Partial<UploadLimits>>;
  /**
   * For tests only: answer like a plain slivka v1.1 server (no long-poll, event streams, listing,
   * rerun or Range), so clients' fallback paths can be exercised against a real server.
   */
  slivkaOnly: boolean;
}

const LIMIT_KEYS: Record<string, keyof UploadLimits> = {
  'max-file-size': 'maxFileBytes',
  'max-files': 'maxFiles',
  'max-fields': 'maxFields',
  'max-field-size': 'maxFieldBytes',
  'max-text-size': 'maxTextBytes',
};

export function buildApiSettings(flat: Record<string, unknown>): ApiSettings {
  // Prototype-free: a service id such as `__proto__` must not reach Object.prototype.
  const serviceLimits = Object.create(null) as Record<string, Partial<UploadLimits>>;
  for (const [key, value] of Object.entries(flat)) {
    const match = SERVICE_LIMIT.exec(key);
    if (match) (serviceLimits[match[1].toLowerCase()] ??= {})[LIMIT_KEYS[match[2]]] = Number(value);
  }
  return {
    watchIntervalMs: settingOr<number>(flat, 'api.watch-interval'),
    rateLimit: {
      windowMs: settingOr<number>(flat, 'api.rate-limit.window'),
      requests: settingOr<number>(flat, 'api.rate-limit.requests'),
      submissions: settingOr<number>(flat, 'api.rate-limit.submissions'),
    },
    tokens: settingOr<ApiToken[]>(flat, 'api.tokens'),
    tokenCacheMs: settingOr<number>(flat, 'api.token-cache'),
    requireToken: settingOr<boolean>(flat, 'api.require-token'),
    listJobs: settingOr<'anyone' | 'token'>(flat, 'api.list-jobs'),
    serviceLimits,
    slivkaOnly: settingOr<boolean>(flat, 'api.slivka-only'),
    ...buildLiveOutputSettings(flat),
    ...buildOwnerSettings(flat),
  };
}

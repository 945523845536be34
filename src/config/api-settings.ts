/**
 * Settings of the REST API that slivka does not have: waiting for job changes, rate limits, API
 * tokens and per-service upload limits. Kept apart from the core settings so each stays small.
 */

export interface UploadLimits {
  maxFileBytes: number;
  maxFiles: number;
  maxFields: number;
  maxFieldBytes: number;
  /** All text of one request together: field names and values, or a whole JSON body. */
  maxTextBytes: number;
}

/** What a token allows beyond what anonymous clients may do. */
export const TOKEN_SCOPES = ['priority', 'admin'] as const;
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

import {
  buildOwnerSettings,
  ownerSettingsProperties,
  tokenShareProperties,
  type OwnerSettings,
  type TokenShare,
} from './owner-settings';
import {
  buildLiveOutputSettings,
  liveOutputSettingsProperties,
  type LiveOutputSettings,
} from './live-output-settings';

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

const SERVICE_LIMIT =
  /^api\.service-limits\.(.+)\.(max-file-size|max-files|max-fields|max-field-size|max-text-size)$/;

/** JSON-schema properties merged into the settings schema. */
export const apiSettingsProperties = {
  ...liveOutputSettingsProperties,
  ...ownerSettingsProperties,
  'api.watch-interval': { type: 'integer', minimum: 20, maximum: 10000 },
  'api.rate-limit.window': { type: 'integer', minimum: 1000 },
  'api.rate-limit.requests': { type: 'integer', minimum: 0 },
  'api.rate-limit.submissions': { type: 'integer', minimum: 0 },
  'api.require-token': { type: 'boolean' },
  'api.token-cache': { type: 'integer', minimum: 0, maximum: 300_000 },
  'api.list-jobs': { enum: ['anyone', 'token'] },
  'api.slivka-only': { type: 'boolean' },
  'api.tokens': {
    type: 'array',
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'token'],
      properties: {
        name: { type: 'string', minLength: 1 },
        token: { type: 'string', minLength: 16, maxLength: 1024 },
        requests: { type: 'integer', minimum: 0 },
        submissions: { type: 'integer', minimum: 0 },
        scopes: { type: 'array', uniqueItems: true, items: { enum: [...TOKEN_SCOPES] } },
        ...tokenShareProperties,
      },
    },
  },
} as const;

export const apiSettingsPatternProperties = {
  [SERVICE_LIMIT.source]: { type: 'integer', minimum: 0 },
} as const;

export function buildApiSettings(flat: Record<string, unknown>): ApiSettings {
  const int = (key: string, fallback: number): number =>
    (flat[key] as number | undefined) ?? fallback;
  // Prototype-free: a service id such as `__proto__` must not reach Object.prototype.
  const serviceLimits = Object.create(null) as Record<string, Partial<UploadLimits>>;
  for (const [key, value] of Object.entries(flat)) {
    const match = SERVICE_LIMIT.exec(key);
    if (match) (serviceLimits[match[1].toLowerCase()] ??= {})[LIMIT_KEYS[match[2]]] = Number(value);
  }
  return {
    watchIntervalMs: int('api.watch-interval', 200),
    rateLimit: {
      windowMs: int('api.rate-limit.window', 60_000),
      requests: int('api.rate-limit.requests', 0),
      submissions: int('api.rate-limit.submissions', 0),
    },
    tokens: (flat['api.tokens'] as ApiToken[] | undefined) ?? [],
    tokenCacheMs: int('api.token-cache', 10_000),
    requireToken: (flat['api.require-token'] as boolean | undefined) ?? false,
    listJobs: (flat['api.list-jobs'] as 'anyone' | 'token' | undefined) ?? 'token',
    serviceLimits,
    slivkaOnly: (flat['api.slivka-only'] as boolean | undefined) ?? false,
    ...buildLiveOutputSettings(flat),
    ...buildOwnerSettings(flat),
  };
}

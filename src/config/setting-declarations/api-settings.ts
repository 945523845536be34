import type { SettingDeclaration } from './setting-declaration';

/**
 * What a token allows beyond what anonymous clients may do (`priority`, `admin`), and what it is
 * for (`submit`, `list`: a token naming either may do only what it names; src/http/token-access.ts).
 */
export const TOKEN_SCOPES = ['priority', 'admin', 'submit', 'list'] as const;

/** `api.service-limits.<service>.<limit>`: the server-wide upload limits for one service. */
export const SERVICE_LIMIT =
  /^api\.service-limits\.(.+)\.(max-file-size|max-files|max-fields|max-field-size|max-text-size)$/;

/** What a token may set for its own owner over `api.owner-limits` (owner-settings.ts). */
const tokenShareProperties = {
  'max-active': { type: 'integer', minimum: 0 },
  'max-waiting': { type: 'integer', minimum: 0 },
  weight: { type: 'number', exclusiveMinimum: 0, maximum: 1000 },
} as const;

export const apiSettings: readonly SettingDeclaration[] = [
  {
    key: 'api.service-limits.<service>.max-file-size',
    pattern: SERVICE_LIMIT,
    schema: { type: 'integer', minimum: 0 },
    docs: [
      {
        table: 'api',
        label:
          '`api.service-limits.<service>.max-file-size` (also `max-files`, `max-fields`, `max-field-size`, `max-text-size`)',
        shownDefault: '—',
        description: 'the same limits for one service',
      },
    ],
  },
  {
    key: 'api.watch-interval',
    schema: { type: 'integer', minimum: 20, maximum: 10000 },
    default: 200,
    docs: [
      {
        table: 'api',
        shownDefault: '200',
        description: 'ms between store reads for waiting clients',
      },
    ],
  },
  {
    key: 'api.file-events.max-per-job',
    schema: { type: 'integer', minimum: 1, maximum: 100000 },
    default: 64,
    docs: [
      {
        table: 'api',
        shownDefault: '64',
        description: 'output event streams of one job open on one server; more is a 429',
      },
    ],
  },
  {
    key: 'api.file-events.max-connections',
    schema: { type: 'integer', minimum: 1, maximum: 100000 },
    default: 1024,
    docs: [
      {
        table: 'api',
        shownDefault: '1024',
        description: 'output event streams open on one server; more is a 503',
      },
    ],
  },
  {
    key: 'api.file-events.poll-interval',
    schema: { type: 'integer', minimum: 50, maximum: 60000 },
    default: 500,
    docs: [
      {
        table: 'api',
        shownDefault: '500',
        description:
          'ms between looks for new bytes when no change notice came (50–60000; what finds writes on NFS)',
      },
    ],
  },
  {
    key: 'api.progress.interval',
    schema: { type: 'integer', minimum: 100, maximum: 60000 },
    default: 500,
    docs: [
      {
        table: 'api',
        shownDefault: '500',
        description:
          'least ms between two progress readings of one job, so at most 1000/x progress pushes a second (100–60000)',
      },
    ],
  },
  {
    key: 'api.rate-limit.window',
    schema: { type: 'integer', minimum: 1000 },
    default: 60_000,
    docs: [{ table: 'api', shownDefault: '60000', description: 'ms of the rate-limit window' }],
  },
  {
    key: 'api.rate-limit.requests',
    schema: { type: 'integer', minimum: 0 },
    default: 0,
    docs: [
      { table: 'api', shownDefault: '0 (off)', description: 'API requests per client per window' },
    ],
  },
  {
    key: 'api.rate-limit.submissions',
    schema: { type: 'integer', minimum: 0 },
    default: 0,
    docs: [
      {
        table: 'api',
        shownDefault: '0 (off)',
        description: 'submissions and uploads per client per window',
      },
    ],
  },
  {
    key: 'api.tokens',
    schema: {
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
    default: [],
    docs: [
      {
        table: 'api',
        shownDefault: '`[]`',
        description:
          "`[{name, token, requests?, submissions?, scopes?, max-active?, max-waiting?, weight?}]` (tokens can also be made with `damson tokens`, below): clients send `Authorization: Bearer <token>` or `X-API-Key`; limits are per token name; `scopes: [priority]` lets the token submit with `?priority=` above 0; `scopes: [admin]` lets it rerun jobs in bulk (`POST /jobs/rerun`), use the admin API ([admin.md](admin.md)), list everyone's jobs and read private ones; `scopes: [submit]` or `[list]` (or both) limits the token to submitting (jobs, reruns, pipelines, uploads) or listing jobs, 403 `scope_required` otherwise; a token naming neither may do both; `max-active`/`max-waiting` replace `api.owner-limits` for this token's jobs and `weight` (default 1, up to 1000) is its share of slots against other owners ([Owners](#owners))",
      },
    ],
  },
  {
    key: 'api.token-cache',
    schema: { type: 'integer', minimum: 0, maximum: 300_000 },
    default: 10_000,
    docs: [
      {
        table: 'readme',
        shownDefault: '10000',
        description:
          'Damson: ms a server trusts its lookup of a token made with `damson tokens create`; a revoked token is refused by every server within this time ([docs/api.md](docs/api.md#tokens-made-with-damson-tokens))',
      },
      {
        table: 'api',
        shownDefault: '10000',
        description:
          'ms a server trusts its lookup of a token made with `damson tokens` (0–300000; 0 reads the store on every request): a revoked token is refused by every server within this time',
      },
    ],
  },
  {
    key: 'api.require-token',
    schema: { type: 'boolean' },
    default: false,
    docs: [
      {
        table: 'api',
        shownDefault: 'false',
        description: 'refuse API requests without a valid token (401)',
      },
    ],
  },
  {
    key: 'api.list-jobs',
    schema: { enum: ['anyone', 'token'] },
    default: 'token',
    docs: [
      {
        table: 'readme',
        shownDefault: '`token`',
        description:
          "Damson: who may list jobs, `token` holders or `anyone`; everyone lists only their own jobs, `admin` tokens everyone's ([docs/api.md](docs/api.md#owners))",
      },
      {
        table: 'api',
        shownDefault: '`token`',
        description:
          "who may list jobs (`GET /api/jobs`): `token` (only clients with a token, from the settings or `damson tokens`; without one, 401) or `anyone`. Each client lists only its own jobs; an `admin` token lists everyone's ([Owners](#owners))",
      },
    ],
  },
  {
    key: 'api.private-jobs',
    schema: { type: 'boolean' },
    default: false,
    docs: [
      {
        table: 'readme',
        shownDefault: 'false',
        description:
          'Damson: a job answers only its owner and `admin` tokens; others get 404 ([docs/api.md](docs/api.md#owners))',
      },
      {
        table: 'api',
        shownDefault: 'false',
        description:
          'when true, a job (and every route under `/jobs/{jid}`, its files under `server.jobs-path`, its pipeline and its outputs as inputs of other jobs) answers only its owner and `admin` tokens; everyone else gets the 404 of a job that does not exist ([Owners](#owners))',
      },
    ],
  },
  {
    key: 'api.owner-limits.max-active',
    schema: { type: 'integer', minimum: 0 },
    default: 0,
    docs: [
      {
        table: 'readme',
        label: '`api.owner-limits.max-active` / `max-waiting`',
        shownDefault: '0 / 0 (no cap)',
        description:
          'Damson: per owner, jobs with the runners at once (more wait) and jobs waiting (more: 429); tokens may override both and set a `weight` ([docs/scheduler.md](docs/scheduler.md#fair-shares-between-owners))',
      },
      {
        table: 'api',
        shownDefault: '0 (no cap)',
        description:
          'jobs one owner may have claimed, queued or running at once; more wait, accepted, until one of theirs finishes ([Owners](#owners), [docs/scheduler.md](scheduler.md#fair-shares-between-owners))',
      },
    ],
  },
  {
    key: 'api.owner-limits.max-waiting',
    schema: { type: 'integer', minimum: 0 },
    default: 0,
    describedBy: 'api.owner-limits.max-active',
    docs: [
      {
        table: 'api',
        shownDefault: '0 (no cap)',
        description:
          'jobs one owner may have waiting (PENDING); a submission beyond it is refused with **429** `too_many_waiting_jobs` and `Retry-After`',
      },
    ],
  },
  {
    key: 'api.slivka-only',
    schema: { type: 'boolean' },
    default: false,
    docs: [
      {
        table: 'api',
        shownDefault: 'false',
        description:
          "**for tests only**: answer like a plain slivka v1.1 server. The listing, job and output event streams and rerun answer 404, `?wait=`/`?status=` on a job GET are dropped (it answers at once) and `Range` is ignored (whole files, no `Accept-Ranges`), so a client's fallback paths run against a real server (`test/integration/jobs-cli.test.ts`). Never set it in production",
      },
    ],
  },
];

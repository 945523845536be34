import type { SettingDeclaration } from './setting-declaration';

/** What a token allows beyond what anonymous clients may do. */
export const TOKEN_SCOPES = ['priority', 'admin'] as const;

/** `api.service-limits.<service>.<limit>`: the server-wide upload limits for one service. */
export const SERVICE_LIMIT =
  /^api\.service-limits\.(.+)\.(max-file-size|max-files|max-fields|max-field-size|max-text-size)$/;

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
        },
      },
    },
    default: [],
    docs: [
      {
        table: 'api',
        shownDefault: '`[]`',
        description:
          '`[{name, token, requests?, submissions?, scopes?}]` (tokens can also be made with `damson tokens`, below): clients send `Authorization: Bearer <token>` or `X-API-Key`; limits are per token name; `scopes: [priority]` lets the token submit with `?priority=` above 0; `scopes: [admin]` lets it rerun jobs in bulk (`POST /jobs/rerun`) and use the admin API ([admin.md](admin.md))',
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
          'Damson: who may list jobs, `token` holders or `anyone` ([docs/api.md](docs/api.md))',
      },
      {
        table: 'api',
        shownDefault: '`token`',
        description:
          "who may list jobs (`GET /api/jobs`): `token` (only clients with a token, from the settings or `damson tokens`; without one, 401) or `anyone`. Job ids are the only guard of a job's inputs, results and cancel, so opening the listing is an operator's choice for a private server. The portal does not need it: it shows the jobs this browser submitted, by id",
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

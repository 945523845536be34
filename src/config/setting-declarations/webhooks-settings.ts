import type { SettingDeclaration } from './setting-declaration';

const HOST_PATTERN =
  '^(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$|^\\[[0-9A-Fa-f:.]+\\]$';
export const DAY_MS = 24 * 3600 * 1000;
export const MIN_SECRET_CHARS = 16;

export const webhooksSettings: readonly SettingDeclaration[] = [
  {
    key: 'api.webhooks.allowed-hosts',
    schema: { type: 'array', maxItems: 1000, items: { type: 'string', pattern: HOST_PATTERN } },
    default: [],
    docs: [
      {
        table: 'readme',
        shownDefault: '`[]` (none)',
        description:
          "Damson: hosts a submission's `callback=` may name: exact (`hooks.example.org`, `127.0.0.1`) or `*.example.org`. Loopback and private addresses are never allowed unless listed ([docs/api.md](docs/api.md#webhooks))",
      },
      {
        table: 'api',
        shownDefault: '`[]`',
        description:
          'hosts a `callback=` may name (exact, or `*.domain`); empty refuses every callback; loopback and private addresses only when listed ([Webhooks](#webhooks))',
      },
    ],
  },
  {
    key: 'api.webhooks.secret',
    schema: { type: 'string', minLength: MIN_SECRET_CHARS },
    docs: [
      {
        table: 'readme',
        label: '`api.webhooks.secret` / `api.webhooks.secret-file`',
        shownDefault: 'none (webhooks off)',
        description:
          'Damson: the HMAC-SHA256 key webhooks are signed with (at least 16 characters), inline or the first line of a file',
      },
      {
        table: 'api',
        shownDefault: 'none',
        description:
          'HMAC-SHA256 key of `Damson-Signature` (16 characters or more); without it (or `secret-file`) webhooks are off',
      },
    ],
  },
  {
    key: 'api.webhooks.secret-file',
    schema: { type: 'string', minLength: 1 },
    docs: [
      {
        table: 'api',
        shownDefault: 'none',
        description:
          'a file whose first line is the secret (relative to the project home); not with `secret`',
      },
    ],
  },
  {
    key: 'api.webhooks.request-timeout',
    schema: { type: 'integer', minimum: 100, maximum: 60_000 },
    default: 10_000,
    docs: [
      {
        table: 'readme',
        shownDefault: '10000',
        description: 'Damson: ms one webhook POST may take',
      },
      {
        table: 'api',
        shownDefault: '10000',
        description: 'ms one POST may take, connection to answer (100–60000)',
      },
    ],
  },
  {
    key: 'api.webhooks.max-age',
    schema: { type: 'integer', minimum: 1000, maximum: DAY_MS },
    default: DAY_MS,
    docs: [
      {
        table: 'readme',
        shownDefault: '86400000 (24 h)',
        description: 'Damson: ms after the event a failing delivery is retried (at most 24 h)',
      },
      {
        table: 'api',
        shownDefault: '86400000',
        description: 'ms after the event a delivery is retried (at most 24 h)',
      },
    ],
  },
  {
    key: 'api.webhooks.retry-base-delay',
    schema: { type: 'integer', minimum: 10, maximum: 3_600_000 },
    default: 5000,
    docs: [
      {
        table: 'readme',
        label: '`api.webhooks.retry-base-delay` / `retry-max-delay`',
        shownDefault: '5000 / 3600000',
        description: 'Damson: ms before the first retry, doubling (with jitter) up to the maximum',
      },
      {
        table: 'api',
        shownDefault: '5000',
        description: 'ms before the first retry; doubled each time, with jitter',
      },
    ],
  },
  {
    key: 'api.webhooks.retry-max-delay',
    schema: { type: 'integer', minimum: 10, maximum: 6 * 3_600_000 },
    default: 3_600_000,
    docs: [
      {
        table: 'api',
        shownDefault: '3600000',
        description: 'the longest wait between retries (at most 6 h)',
      },
    ],
  },
  {
    key: 'api.webhooks.poll-interval',
    schema: { type: 'integer', minimum: 50, maximum: 60_000 },
    default: 1000,
    docs: [
      {
        table: 'readme',
        shownDefault: '1000',
        description: "Damson: ms between the scheduler's looks for due deliveries",
      },
      {
        table: 'api',
        shownDefault: '1000',
        description:
          "ms between the scheduler's looks for due deliveries (a change it writes itself is sent at once)",
      },
    ],
  },
];

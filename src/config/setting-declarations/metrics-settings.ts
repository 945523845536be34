import type { SettingDeclaration } from './setting-declaration';

const ADDRESS = '^(off|[^:\\s]+:\\d{1,5})$';
// An unquoted `off` is YAML 1.1's false (slivka's settings are read as PyYAML reads them).
const ADDRESS_OR_OFF = { anyOf: [{ type: 'string', pattern: ADDRESS }, { const: false }] };

/** Prometheus metrics and health endpoints (docs/metrics.md). */
export const metricsSettings: readonly SettingDeclaration[] = [
  {
    key: 'metrics.server',
    schema: { enum: ['local', 'any', 'off', false] },
    default: 'local',
    docs: [
      {
        table: 'readme',
        shownDefault: '`local`',
        description:
          "Damson: who may read the server's `/metrics`: `local` (same host, not through a proxy), `any`, `off` ([docs/metrics.md](docs/metrics.md))",
      },
    ],
  },
  {
    key: 'metrics.scheduler-address',
    schema: ADDRESS_OR_OFF,
    default: '127.0.0.1:4044',
    docs: [
      {
        table: 'readme',
        shownDefault: '`127.0.0.1:4044`',
        description: "Damson: the scheduler's `/metrics`, `/healthz`, `/readyz`; `off` for none",
      },
    ],
  },
  {
    key: 'metrics.agent-address',
    schema: ADDRESS_OR_OFF,
    default: 'off',
    docs: [
      {
        table: 'readme',
        shownDefault: '`off`',
        description:
          "Damson: an agent's `/metrics` and health (`damson agent --metrics-address` overrides it)",
      },
    ],
  },
  {
    key: 'metrics.job-counts-interval',
    schema: { type: 'integer', minimum: 1000, maximum: 600_000 },
    default: 5000,
    docs: [
      {
        table: 'readme',
        shownDefault: '5000',
        description:
          'Damson: ms; the job counts of `/metrics` are read from the store at most this often',
      },
    ],
  },
];

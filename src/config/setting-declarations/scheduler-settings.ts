import type { SettingDeclaration } from './setting-declaration';

/** `scheduler.timeout` when unset: a day, longer than any interactive tool needs. */
export const DEFAULT_RUN_TIME_LIMIT_SECONDS = 24 * 60 * 60;

/** How long a cluster agent may be away before its jobs are written off (6 h). */
export const CLUSTER_LOST_JOB_GRACE_MS = 6 * 3600 * 1000;

export const schedulerSettings: readonly SettingDeclaration[] = [
  {
    key: 'local-queue.host',
    schema: { type: 'string', minLength: 1 },
    default: 'tcp://127.0.0.1:4041',
    docs: [
      {
        table: 'readme',
        shownDefault: '`tcp://127.0.0.1:4041`',
        description: 'where the scheduler listens for runner agents',
      },
      {
        table: 'scheduler',
        shownDefault: '`tcp://127.0.0.1:4041`',
        description: 'where the scheduler listens for agents',
      },
    ],
  },
  {
    key: 'scheduler.wake-address',
    schema: { type: 'string', minLength: 1 },
    default: 'tcp://127.0.0.1:4042',
    docs: [
      {
        table: 'readme',
        shownDefault: '`tcp://127.0.0.1:4042`',
        description: 'Damson: where servers nudge the scheduler',
      },
      {
        table: 'scheduler',
        shownDefault: '`tcp://127.0.0.1:4042`',
        description: 'where servers wake the scheduler',
      },
    ],
  },
  {
    key: 'scheduler.changes-address',
    schema: { type: 'string', minLength: 1 },
    default: 'tcp://127.0.0.1:4043',
    docs: [
      {
        table: 'readme',
        shownDefault: '`tcp://127.0.0.1:4043`',
        description:
          'Damson: where the scheduler tells servers that job states changed (long-polls and event streams answer at once)',
      },
      {
        table: 'scheduler',
        shownDefault: '`tcp://127.0.0.1:4043`',
        description:
          'where the scheduler announces job state changes to servers, so long-polls and event streams answer at once ([api.md](api.md#waiting-for-a-change))',
      },
    ],
  },
  {
    key: 'scheduler.poll-interval',
    schema: { type: 'integer', minimum: 10 },
    default: 1000,
    docs: [
      {
        table: 'readme',
        shownDefault: '1000',
        description: 'Damson: ms between store polls when no nudge arrives',
      },
      {
        table: 'scheduler',
        shownDefault: '1000',
        description: 'ms between store polls when no wake-up comes',
      },
    ],
  },
  {
    key: 'scheduler.lease',
    schema: { type: 'integer', minimum: 1000 },
    default: 30000,
    docs: [
      { table: 'readme', shownDefault: '30000', description: 'Damson: ms a claim lasts' },
      { table: 'scheduler', shownDefault: '30000', description: 'ms a claim is leased for' },
    ],
  },
  {
    key: 'scheduler.heartbeat-interval',
    schema: { type: 'integer', minimum: 50 },
    default: 1000,
    docs: [
      {
        table: 'readme',
        shownDefault: '1000',
        description: 'Damson: ms between heartbeats; a peer silent for three is dead',
      },
      {
        table: 'scheduler',
        shownDefault: '1000',
        description: 'ms between heartbeats (3 missed = dead)',
      },
    ],
  },
  {
    key: 'scheduler.timeout',
    schema: { type: 'integer', minimum: 0 },
    default: DEFAULT_RUN_TIME_LIMIT_SECONDS,
    docs: [
      {
        table: 'readme',
        shownDefault: '86400 (24 h)',
        description:
          "Damson: default run time limit in seconds; a service's `execution.timeout` replaces it; 0 = no limit",
      },
      {
        table: 'scheduler',
        shownDefault: '86400 (24 h)',
        description:
          "default run time limit of a run, seconds; a service's `execution.timeout` replaces it; 0 = no limit",
      },
    ],
  },
  {
    key: 'scheduler.retries',
    schema: { type: 'integer', minimum: 0 },
    default: 1,
    docs: [
      {
        table: 'scheduler',
        shownDefault: '1',
        description: 'default retries of attempts lost to infrastructure',
      },
    ],
  },
  {
    key: 'scheduler.max-retries',
    schema: { type: 'integer', minimum: 0, maximum: 100 },
    default: 3,
    docs: [
      { table: 'scheduler', shownDefault: '3', description: "cap on any service's `retries`" },
    ],
  },
  {
    key: 'scheduler.lost-job-grace',
    // An integer is the local agents' grace; per kind: `lost-job-grace: {slurm: …, local: …}`.
    schema: { type: 'integer', minimum: 0 },
    default: 5000,
    docs: [
      {
        table: 'scheduler',
        shownDefault: 'local 5000, slurm and gridengine 21600000 (6 h)',
        description:
          "ms the jobs of an agent that is away wait for it before they are retried, per agent kind: an integer sets the local agents' grace, a map sets any kind (`lost-job-grace: {slurm: 3600000}`); see [cluster.md](cluster.md#when-a-cluster-agent-is-away)",
      },
    ],
  },
  {
    key: 'scheduler.lost-job-grace.local',
    schema: { type: 'integer', minimum: 0 },
    // No default of its own: unset, it is the plain `scheduler.lost-job-grace` (load-settings.ts).
    describedBy: 'scheduler.lost-job-grace',
    docs: [],
  },
  {
    key: 'scheduler.lost-job-grace.slurm',
    schema: { type: 'integer', minimum: 0 },
    default: CLUSTER_LOST_JOB_GRACE_MS,
    describedBy: 'scheduler.lost-job-grace',
    docs: [],
  },
  {
    key: 'scheduler.lost-job-grace.gridengine',
    schema: { type: 'integer', minimum: 0 },
    default: CLUSTER_LOST_JOB_GRACE_MS,
    describedBy: 'scheduler.lost-job-grace',
    docs: [],
  },
  {
    key: 'scheduler.breaker-failures',
    schema: { type: 'integer', minimum: 1 },
    default: 5,
    docs: [
      {
        table: 'scheduler',
        shownDefault: '5',
        description: 'consecutive infrastructure failures that open a breaker',
      },
    ],
  },
  {
    key: 'scheduler.breaker-window',
    schema: { type: 'integer', minimum: 1000 },
    default: 60_000,
    docs: [
      {
        table: 'scheduler',
        shownDefault: '60000',
        description: 'ms within which those failures count',
      },
    ],
  },
  {
    key: 'scheduler.breaker-backoff',
    schema: { type: 'integer', minimum: 10 },
    default: 1000,
    docs: [{ table: 'scheduler', shownDefault: '1000', description: 'ms before the first probe' }],
  },
  {
    key: 'scheduler.breaker-max-backoff',
    schema: { type: 'integer', minimum: 10 },
    default: 60_000,
    docs: [
      { table: 'scheduler', shownDefault: '60000', description: 'longest wait between probes' },
    ],
  },
  {
    key: 'link.keys-directory',
    schema: { type: 'string', minLength: 1 },
    default: './keys',
    docs: [
      {
        table: 'scheduler',
        shownDefault: '`./keys`',
        description: "the agent link's CURVE keys, a private directory (see below)",
      },
    ],
  },
  {
    key: 'link.security',
    schema: { enum: ['curve', 'none', 'auto'] },
    default: 'curve',
    docs: [
      {
        table: 'scheduler',
        shownDefault: '`curve`',
        description:
          '`curve`: the link is authenticated on every address, loopback included; `none`: open (development only). `auto`, the default of earlier releases, now means `curve`',
      },
    ],
  },
  {
    key: 'local-agent.slots',
    schema: { type: 'integer', minimum: 1 },
    default: 4,
    docs: [
      {
        table: 'readme',
        shownDefault: '4',
        description: 'Damson: jobs the local agent runs at once',
      },
      { table: 'scheduler', shownDefault: '4', description: 'jobs the local agent runs at once' },
    ],
  },
  {
    key: 'local-agent.output-quota',
    schema: { type: 'integer', minimum: 1 },
    default: 1024 * 1024 * 1024,
    docs: [
      {
        table: 'readme',
        shownDefault: '1073741824 (1 GiB)',
        description:
          "Damson: bytes all files in a job's directory may hold together; no single file can grow past it ([docs/scheduler.md](docs/scheduler.md))",
      },
      {
        table: 'scheduler',
        shownDefault: '1 GiB',
        description:
          "bytes all files in a job's directory may hold together, and the size limit of any one file (see *Output quota*)",
      },
    ],
  },
];

import type { SettingDeclaration } from './setting-declaration';

export const DEFAULT_MIN_FREE_DISK = '100MiB';

export const RETENTION_BY_SERVICE = /^store\.retention-days-by-service\.([A-Za-z0-9_-]+)$/;
/** A disk-space floor: bytes with a unit, or a share of the filesystem (`5%`). */
export const DISK_SIZE = /^([0-9]+(?:\.[0-9]+)?)\s*(B|KiB|MiB|GiB|TiB|kB|KB|MB|GB|TB|%)$/;

export const storeSettings: readonly SettingDeclaration[] = [
  {
    key: 'store.url',
    schema: { type: 'string', pattern: '^(sqlite:|mongodb(\\+srv)?://)' },
    docs: [
      {
        table: 'readme',
        shownDefault: '`sqlite:<directory.data>/damson.sqlite`',
        description: 'Damson: the job store',
      },
    ],
  },
  {
    key: 'mongodb.host',
    schema: { type: 'string' },
    docs: [
      {
        table: 'readme',
        label:
          '`mongodb.host` / `mongodb.socket` / `mongodb.username` / `mongodb.password` / `mongodb.database`',
        shownDefault: 'none',
        description: "slivka's MongoDB keys",
      },
    ],
  },
  {
    key: 'mongodb.socket',
    schema: { type: 'string' },
    describedBy: 'mongodb.host',
    docs: [],
  },
  {
    key: 'mongodb.username',
    schema: { type: 'string' },
    describedBy: 'mongodb.host',
    docs: [],
  },
  {
    key: 'mongodb.password',
    schema: { type: 'string' },
    describedBy: 'mongodb.host',
    docs: [],
  },
  {
    key: 'mongodb.database',
    schema: { type: 'string' },
    default: 'damson',
    describedBy: 'mongodb.host',
    docs: [],
  },
  {
    key: 'store.retention-days',
    schema: { type: 'number', exclusiveMinimum: 0 },
    docs: [
      {
        table: 'readme',
        shownDefault: 'none (keep)',
        description:
          'Damson: delete finished jobs and their work directories this many days after they finished',
      },
    ],
  },
  {
    key: 'store.retention-sweep-interval',
    schema: { type: 'integer', minimum: 1000 },
    default: 3_600_000,
    docs: [
      {
        table: 'readme',
        shownDefault: '3600000',
        description:
          'Damson: ms between retention sweeps (run by the scheduler at its start, then at this interval)',
      },
    ],
  },
  {
    key: 'store.upload-retention-days',
    schema: { type: 'number', minimum: 0 },
    default: 7,
    docs: [
      {
        table: 'readme',
        shownDefault: '7',
        description:
          'Damson: delete an upload (record and file) this many days after it was uploaded, unless a job that has not finished uses it; `0` keeps uploads',
      },
    ],
  },
  {
    key: 'store.upload-orphan-age',
    schema: { type: 'integer', minimum: 1000 },
    default: 600_000,
    docs: [
      {
        table: 'readme',
        shownDefault: '600000',
        description:
          'Damson: a file in `directory.uploads` with no upload record (a partial file left by a crash, a kill or a full disk), unchanged for this many ms, is removed',
      },
    ],
  },
  {
    key: 'store.tombstone-days',
    schema: { type: 'number', minimum: 0 },
    default: 30,
    docs: [
      {
        table: 'readme',
        shownDefault: '30',
        description:
          'Damson: for this many days after retention deleted a job, its id (and its files) answer **410 Gone** saying when; then 404',
      },
    ],
  },
  {
    key: 'store.min-free-disk',
    schema: {
      anyOf: [
        { type: 'integer', minimum: 0 },
        { type: 'string', pattern: DISK_SIZE.source },
      ],
    },
    default: DEFAULT_MIN_FREE_DISK,
    docs: [
      {
        table: 'readme',
        shownDefault: '`100MiB`',
        description:
          'Damson: below this much free space (bytes, `1GiB`, `500MB`, or `5%` of the filesystem) on the filesystem of `directory.jobs` or `directory.uploads`, the scheduler claims no job and submissions and uploads get 503 with `Retry-After`; `0` turns it off ([docs/deployment.md](docs/deployment.md))',
      },
    ],
  },
  {
    key: 'store.retention-days-by-service.<service id>',
    pattern: RETENTION_BY_SERVICE,
    schema: { type: 'number', exclusiveMinimum: 0 },
    docs: [
      {
        table: 'readme',
        shownDefault: 'none',
        description:
          "Damson: this service's finished jobs are kept this many days instead of `store.retention-days` (also when that is unset); e.g. `store: {retention-days-by-service: {blast: 30}}`",
      },
    ],
  },
];

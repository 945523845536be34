import type { SettingDeclaration } from './setting-declaration';

export const coreSettings: readonly SettingDeclaration[] = [
  {
    key: 'version',
    schema: { type: 'string', pattern: '^(0\\.3|0\\.8(\\.[0-5])?)$' },
    docs: [
      {
        table: 'readme',
        shownDefault: '(required)',
        description: '`"0.8"` (slivka\'s `0.3` and `0.8.x` are accepted)',
      },
    ],
  },
  {
    key: 'directory.uploads',
    schema: { type: 'string', minLength: 1 },
    default: './media/uploads',
    docs: [{ table: 'readme', shownDefault: '`./media/uploads`', description: 'uploaded files' }],
  },
  {
    key: 'directory.jobs',
    schema: { type: 'string', minLength: 1 },
    default: './media/jobs',
    docs: [
      {
        table: 'readme',
        shownDefault: '`./media/jobs`',
        description: 'job working directories (`<id[-2:]>/<id[-4:-2]>/<id[:-4]>`, as slivka 0.8.5)',
      },
    ],
  },
  {
    key: 'directory.logs',
    schema: { type: 'string', minLength: 1 },
    default: './log',
    docs: [{ table: 'readme', shownDefault: '`./log`', description: 'log directory' }],
  },
  {
    key: 'directory.services',
    schema: { type: 'string', minLength: 1 },
    default: './services',
    docs: [
      {
        table: 'readme',
        shownDefault: '`./services`',
        description: '`*.service.yaml` files; changes are picked up without a restart',
      },
    ],
  },
  {
    key: 'directory.pipelines',
    schema: { type: 'string', minLength: 1 },
    // No default of its own: absent, it is `pipelines` next to `directory.services`.
    docs: [
      {
        table: 'readme',
        shownDefault: '`pipelines` next to `directory.services`',
        description:
          '`*.pipeline.yaml` pipeline templates ([docs/service-files.md](docs/service-files.md#pipeline-templates)); read again at most every 2 s',
      },
    ],
  },
  {
    key: 'directory.data',
    schema: { type: 'string', minLength: 1 },
    default: './data',
    docs: [
      {
        table: 'readme',
        shownDefault: '`./data`',
        description: "Damson: the embedded store's file",
      },
    ],
  },
  {
    key: 'server.host',
    schema: { type: 'string', pattern: '^[^:\\s]+:\\d{1,5}$' },
    default: '127.0.0.1:4040',
    docs: [
      {
        table: 'readme',
        shownDefault: '`127.0.0.1:4040`',
        description: 'where the server listens',
      },
    ],
  },
  {
    key: 'server.uploads-path',
    schema: { type: 'string', pattern: '^/' },
    default: '/media/uploads',
    docs: [
      {
        table: 'readme',
        shownDefault: '`/media/uploads`',
        description: 'URL path of uploads (`@content`)',
      },
    ],
  },
  {
    key: 'server.jobs-path',
    schema: { type: 'string', pattern: '^/' },
    default: '/media/jobs',
    docs: [
      {
        table: 'readme',
        shownDefault: '`/media/jobs`',
        description: 'URL path of job outputs (`@content`)',
      },
    ],
  },
  {
    key: 'server.prefix',
    schema: { type: 'string', pattern: '^(/.*)?$' },
    default: '',
    docs: [
      {
        table: 'readme',
        shownDefault: 'none',
        description: 'URL prefix, e.g. `/damson`; the app answers with and without it',
      },
    ],
  },
  {
    key: 'server.media',
    schema: { enum: ['app', 'proxy'] },
    default: 'app',
    docs: [
      {
        table: 'readme',
        shownDefault: '`app`',
        description:
          "Damson: `app` serves output bytes itself (only files of a stored job's directory, `nosniff`, types by an allow-list: see docs/api.md); `proxy` leaves them to nginx",
      },
    ],
  },
  {
    key: 'server.max-file-size',
    schema: { type: 'integer', minimum: 1 },
    default: 100 * 1024 * 1024,
    docs: [
      {
        table: 'readme',
        shownDefault: '100 MiB',
        description: 'Damson: bytes per uploaded file (413 above)',
      },
      { table: 'api', shownDefault: '104857600', description: 'bytes per uploaded file' },
    ],
  },
  {
    key: 'server.max-files',
    schema: { type: 'integer', minimum: 0 },
    default: 20,
    docs: [
      { table: 'readme', shownDefault: '20', description: 'Damson: files per request' },
      { table: 'api', shownDefault: '20', description: 'files per request' },
    ],
  },
  {
    key: 'server.max-fields',
    schema: { type: 'integer', minimum: 1 },
    default: 1000,
    docs: [
      { table: 'readme', shownDefault: '1000', description: 'Damson: text fields per request' },
      {
        table: 'api',
        shownDefault: '1000',
        description: 'form fields per request (each item of a JSON array counts as one)',
      },
    ],
  },
  {
    key: 'server.max-field-size',
    schema: { type: 'integer', minimum: 1 },
    default: 1024 * 1024,
    docs: [
      {
        table: 'readme',
        shownDefault: '1 MiB',
        description:
          "Damson: bytes per text field (413 above); slivka's own default was 10 MiB. Data belongs in file parts",
      },
      {
        table: 'api',
        shownDefault: '1048576',
        description: 'bytes per text field (and per JSON value)',
      },
    ],
  },
  {
    key: 'server.max-text-size',
    schema: { type: 'integer', minimum: 1 },
    default: 16 * 1024 * 1024,
    docs: [
      {
        table: 'readme',
        shownDefault: '16 MiB',
        description:
          'Damson: bytes of all text fields (names and values) of one request together, or of a whole JSON body (413 above, at once)',
      },
      {
        table: 'api',
        shownDefault: '16777216',
        description:
          'bytes of all text of one request: field names and values together, or the whole JSON body. Over it the request is refused with 413 `text_too_large` (`body_too_large` for JSON) as soon as the cap is passed; the text already read is dropped and the rest of the body is discarded',
      },
    ],
  },
];

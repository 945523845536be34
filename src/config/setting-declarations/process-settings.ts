import type { SettingDeclaration } from './setting-declaration';

/** How `damson start` supervises its children, and what every process logs. */
export const processSettings: readonly SettingDeclaration[] = [
  {
    key: 'supervisor.restart-delay',
    schema: { type: 'integer', minimum: 10 },
    default: 500,
    docs: [
      {
        table: 'readme',
        shownDefault: '500',
        description:
          'Damson: ms before `damson start` restarts a child that exited after a stable run',
      },
    ],
  },
  {
    key: 'supervisor.max-restart-delay',
    schema: { type: 'integer', minimum: 10 },
    default: 30_000,
    docs: [
      {
        table: 'readme',
        shownDefault: '30000',
        description: 'Damson: the restart delay doubles on each exit in a row, up to this many ms',
      },
    ],
  },
  {
    key: 'supervisor.stable-after',
    schema: { type: 'integer', minimum: 1000 },
    default: 60_000,
    docs: [
      {
        table: 'readme',
        shownDefault: '60000',
        description: 'Damson: ms a child must stay up for its next restart delay to start over',
      },
    ],
  },
  {
    key: 'supervisor.processes',
    schema: { enum: ['combined', 'separate'] },
    default: 'combined',
    docs: [
      {
        table: 'readme',
        shownDefault: '`combined`',
        description:
          'Damson: `combined` runs the server, scheduler and local agent of `damson start` in one child process (least memory; a crash restarts all three, running tools are adopted), `separate` in one process each (a crash restarts only its own)',
      },
    ],
  },
  {
    key: 'log.level',
    schema: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    default: 'info',
    docs: [
      {
        table: 'readme',
        shownDefault: '`info`',
        description: 'Damson: `fatal` … `trace`, or `silent`',
      },
    ],
  },
];

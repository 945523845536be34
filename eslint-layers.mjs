// The layer rules of docs/architecture.md, enforced: dependencies point inward, and only src/bin
// picks implementations. Each entry: the files it governs and the folders their imports may not
// reach (matched as whole path segments, whatever the number of `../`).
const IMPLEMENTATIONS = ['sqlite', 'mongodb', 'bin'];
// The processes' own parts: the server, the scheduler (and its webhook deliverer), the agents,
// and the command-line client, none of which may reach into another.
const OUTER = ['http', 'scheduler', 'runners', 'webhooks', 'client'];

const message = 'breaks the layer rules (docs/architecture.md, "Layers")';

function forbid(files, folders) {
  const regex = `^\\.{1,2}/(.*/)?(${folders.join('|')})(/|$)`;
  return {
    files,
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex, message }] }] },
  };
}

/** Every outer part but `own`, and the implementations: what the outer part `own` may not import. */
const without = (own) => [...OUTER.filter((part) => part !== own), ...IMPLEMENTATIONS];

export const layerRules = [
  // The domain imports nothing but itself and Node's crypto (for ids).
  {
    files: ['src/jobs/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^(?!\\./|node:crypto$)', message: `${message}: src/jobs imports nothing` },
          ],
        },
      ],
    },
  },
  // The error catalogue is imported by every layer and by the portal: it imports nothing else.
  {
    files: ['src/errors/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(?!\\./)', message: `${message}: src/errors imports nothing` }] },
      ],
    },
  },
  // The wire shapes are read by the server and the portal alike (with `import type`): besides
  // themselves, only the job states and the error catalogue, which import nothing either.
  {
    files: ['src/wire/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!\\./|\\.\\./errors/(http|field)-errors$|\\.\\./jobs/job-state$)',
              message: `${message}: src/wire imports only the job states and the error codes`,
            },
          ],
        },
      ],
    },
  },
  forbid(['src/http/**/*.ts'], without('http')),
  forbid(['src/scheduler/**/*.ts'], without('scheduler')),
  forbid(['src/runners/**/*.ts'], without('runners')),
  forbid(['src/webhooks/**/*.ts'], without('webhooks')),
  forbid(
    [
      'src/config/**/*.ts',
      'src/lifecycle/**/*.ts',
      'src/transport/**/*.ts',
      'src/services/**/*.ts',
      'src/init/**/*.ts',
    ],
    [...OUTER, ...IMPLEMENTATIONS],
  ),
  forbid(['src/store/**/*.ts'], [...OUTER, 'bin']),
  // The store's interface, unlike its implementations, names neither of them.
  forbid(['src/store/*.ts'], [...OUTER, ...IMPLEMENTATIONS]),
];

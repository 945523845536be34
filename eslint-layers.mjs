// The layer rules of docs/architecture.md, enforced: dependencies point inward, and only src/bin
// picks implementations. Each entry: the files it governs and the folders their imports may not
// reach (matched as whole path segments, whatever the number of `../`).
const IMPLEMENTATIONS = ['sqlite', 'mongodb', 'bin'];
const OUTER = ['http', 'scheduler', 'runners'];

const message = 'breaks the layer rules (docs/architecture.md, "Layers")';

function forbid(files, folders) {
  const regex = `^\\.{1,2}/(.*/)?(${folders.join('|')})(/|$)`;
  return {
    files,
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex, message }] }] },
  };
}

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
  forbid(['src/http/**/*.ts'], ['scheduler', 'runners', ...IMPLEMENTATIONS]),
  forbid(['src/scheduler/**/*.ts'], ['http', 'runners', ...IMPLEMENTATIONS]),
  forbid(['src/runners/**/*.ts'], ['http', 'scheduler', ...IMPLEMENTATIONS]),
  forbid(
    [
      'src/config/**/*.ts',
      'src/lifecycle/**/*.ts',
      'src/transport/**/*.ts',
      'src/services/**/*.ts',
    ],
    [...OUTER, ...IMPLEMENTATIONS],
  ),
  forbid(['src/store/**/*.ts'], [...OUTER, 'bin']),
  // The store's interface, unlike its implementations, names neither of them.
  forbid(['src/store/*.ts'], [...OUTER, ...IMPLEMENTATIONS]),
];

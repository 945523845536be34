import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import { layerRules } from './eslint-layers.mjs';

export default tseslint.config(
  {
    ignores: ['dist/', 'node_modules/', 'coverage/', 'public/vendor/', 'public/js/', 'artifacts/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The command-line client loads no server code: it runs alone on a laptop (`damson-jobs`).
    files: ['src/client/**/*.ts', 'src/bin/damson-jobs.ts', 'src/bin/damson-entry.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['express', 'zeromq', 'better-sqlite3', 'mongodb', 'pino', 'multer', 'busboy'],
          patterns: [
            {
              group: [
                '**/http/**',
                '**/store/**',
                '**/scheduler/**',
                '**/runners/**',
                '**/transport/**',
                '**/config/**',
                '**/services/**',
                '**/lifecycle/**',
                '**/jobs',
                '**/jobs/**',
                '**/errors',
                './run-*',
                './damson',
              ],
              message: 'src/client must not load server code (see docs/cli.md)',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['services/scripts/**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', process: 'readonly', console: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['public/**/*.js'],
    languageOptions: { globals: { window: 'readonly', document: 'readonly', fetch: 'readonly' } },
  },
  ...layerRules,
);

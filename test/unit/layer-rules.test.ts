import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

// One Node process lints every case with the project's own ESLint config (its start-up is the
// cost); each case is a file path, which need not exist, and its text.
const LINT_CASES = `
const { ESLint } = require('eslint');
(async () => {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const eslint = new ESLint({ cwd: process.cwd() });
  const out = [];
  for (const [filePath, source] of JSON.parse(input)) {
    const [report] = await eslint.lintText(source, { filePath });
    out.push(report.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message));
  }
  process.stdout.write(JSON.stringify(out));
})();`;

function layerViolations(cases: [string, string][]): string[][] {
  const sources = cases.map(([file, line]) => [file, `${line}\nexport const y = x;\n`]);
  const result = spawnSync(process.execPath, ['-e', LINT_CASES], {
    cwd: root,
    input: JSON.stringify(sources),
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`eslint failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as string[][];
}

// Fixtures: one import per case, as a file at that path would write it.
const upward: [string, string][] = [
  ['src/jobs/fixture.ts', "import { x } from '../store/job-store';"],
  ['src/jobs/fixture.ts', "import { readFileSync as x } from 'node:fs';"],
  ['src/jobs/fixture.ts', "import x from 'yaml';"],
  ['src/http/fixture.ts', "import { x } from '../scheduler/scheduler';"],
  ['src/http/fixture.ts', "import { x } from '../runners/agent-host';"],
  ['src/http/fixture.ts', "import { x } from '../store/sqlite/sqlite-job-store';"],
  ['src/scheduler/fixture.ts', "import { x } from '../http/create-app';"],
  ['src/scheduler/fixture.ts', "import { x } from '../store/mongodb/mongo-job-store';"],
  ['src/runners/local/fixture.ts', "import { x } from '../../scheduler/scheduler';"],
  ['src/services/fixture.ts', "import { x } from '../http/http-error';"],
  ['src/config/fixture.ts', "import { x } from '../bin/open-store';"],
  ['src/store/fixture.ts', "import { x } from './sqlite/sqlite-job-store';"],
  ['src/store/sqlite/fixture.ts', "import { x } from '../../scheduler/scheduler';"],
  ['src/webhooks/fixture.ts', "import { x } from '../http/create-app';"],
  ['src/http/fixture.ts', "import { x } from '../webhooks/webhook-deliverer';"],
  ['src/scheduler/fixture.ts', "import { x } from '../client/jobs-program';"],
  ['src/errors/fixture.ts', "import { x } from '../jobs';"],
  ['src/errors/fixture.ts', "import { x } from 'express';"],
  ['src/wire/fixture.ts', "import type { x } from '../jobs';"],
  ['src/wire/fixture.ts', "import type { x } from '../http/resources';"],
];

const allowed: [string, string][] = [
  ['src/jobs/fixture.ts', "import { x } from './job-state';"],
  ['src/jobs/fixture.ts', "import { randomBytes as x } from 'node:crypto';"],
  ['src/http/fixture.ts', "import type { x } from '../store/job-store';"],
  ['src/scheduler/fixture.ts', "import { x } from '../transport/protocol';"],
  ['src/bin/fixture.ts', "import { x } from '../store/sqlite/sqlite-job-store';"],
  ['src/store/sqlite/fixture.ts', "import { x } from '../../jobs';"],
  ['src/store/sqlite/fixture.ts', "import x from 'better-sqlite3';"],
  ['src/webhooks/fixture.ts', "import type { x } from '../store/delivery-records';"],
  ['src/bin/fixture.ts', "import { x } from '../webhooks/webhook-deliverer';"],
  ['src/errors/fixture.ts', "import type { x } from './http-errors';"],
  ['src/http/fixture.ts', "import { x } from '../errors';"],
  ['src/wire/fixture.ts', "import type { x } from '../jobs/job-state';"],
  ['src/wire/fixture.ts', "import type { x } from '../errors/http-errors';"],
];

describe('layer rules (lint)', () => {
  const results = layerViolations([...upward, ...allowed]);
  test.each(upward.map((c, i) => [...c, i] as const))('%s: %s is refused', (_f, _l, i) => {
    expect(results[i]).toEqual([expect.stringContaining('breaks the layer rules')]);
  });
  test.each(allowed.map((c, i) => [...c, upward.length + i] as const))(
    '%s: %s is allowed',
    (_f, _l, i) => {
      expect(results[i]).toEqual([]);
    },
  );
});

import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const at = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : testFiles(at);
    return entry.name.endsWith('.test.ts') ? [at] : [];
  });
}

// A test file outside every tier of jest.config.mjs would never run, in CI or anywhere.
test('every test file belongs to a tier that npm test runs', () => {
  const listed = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules', 'jest', 'bin', 'jest.js'), '--listTests'],
    { cwd: root, encoding: 'utf8' },
  );
  expect(listed.status).toBe(0);
  const run = new Set(listed.stdout.split('\n').filter(Boolean));
  const files = testFiles(path.join(root, 'test'));
  expect(files.length).toBeGreaterThan(100);
  expect(files.filter((file) => !run.has(file))).toEqual([]);
});

import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { ServiceCatalog } from '../../src/services/service-catalog';
import { watchCatalog } from '../../src/services/watch-catalog';
import { waitFor } from '../helpers/wait-for';

const root = mkdtempSync(path.join(tmpdir(), 'damson-watch-'));
const services = path.join(root, 'services');
const shared = path.join(root, 'shared');
mkdirSync(services);
mkdirSync(shared);

const text = (name: string) => `slivka-version: "0.8"
name: ${name}
parameters: {}
command: x
args: {}
outputs: {}
execution:
  runners: !include ../shared/runners.yaml#runners
`;
const runners = (type: string) => `runners:\n  default: {type: ${type}}\n`;

writeFileSync(path.join(shared, 'runners.yaml'), runners('ShellRunner'));
writeFileSync(path.join(services, 'a.service.yaml'), text('A'));
const catalog = new ServiceCatalog(services);
catalog.reload();
const lines: string[] = [];
const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
const stop = watchCatalog(catalog, log, { debounceMs: 50, pollIntervalMs: 100 });
afterAll(() => stop());

test('an included file is known to its service', () => {
  expect(catalog.get('a')?.includes).toEqual([path.join(shared, 'runners.yaml')]);
});

test('edits, additions and removals in the directory reload the catalog', async () => {
  writeFileSync(path.join(services, 'a.service.yaml'), text('A2'));
  await waitFor(async () => (catalog.get('a')?.name === 'A2' ? true : undefined), 'the edit', 2000);
  writeFileSync(path.join(services, 'b.service.yaml'), text('B'));
  await waitFor(async () => (catalog.get('b') ? true : undefined), 'the new file', 2000);
  rmSync(path.join(services, 'b.service.yaml'));
  await waitFor(async () => (catalog.get('b') ? undefined : true), 'the removal', 2000);
});

test('a change to an included file outside the directory reloads the services using it', async () => {
  writeFileSync(path.join(shared, 'runners.yaml'), runners('SlurmRunner'));
  // Make sure the time differs even on filesystems with coarse timestamps.
  const later = new Date(Date.now() + 5000);
  utimesSync(path.join(shared, 'runners.yaml'), later, later);
  await waitFor(
    async () => (catalog.get('a')?.runners[0].type === 'SlurmRunner' ? true : undefined),
    'the include change',
    2000,
  );
});

test('a broken edit is logged with file, line and column, and the old version stays', async () => {
  writeFileSync(
    path.join(services, 'a.service.yaml'),
    text('A3').replace('command: x', 'command: 5'),
  );
  await waitFor(async () => (catalog.problem('a') ? true : undefined), 'the error', 2000);
  expect(catalog.get('a')?.name).toBe('A2');
  const logged = lines.map((l) => JSON.parse(l)).find((l) => l.level === 50);
  expect(logged).toMatchObject({ line: 4, column: 10, key: 'command' });
  expect(logged.msg).toMatch(/a\.service\.yaml:4:10: at 'command': expected a non-empty string/);
});

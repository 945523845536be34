import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildCommand } from '../../src/services/command/build-command';
import { ServiceCatalog } from '../../src/services/service-catalog';
import { ServiceRevisions } from '../../src/services/service-revisions';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store';

const serviceText = (flag: string) => `slivka-version: "0.8.3"
name: Versioned
parameters:
  word: {name: Word, type: text}
command: echo
args:
  word: {arg: "${flag}=$(value)"}
outputs: {log: {path: stdout}}
execution:
  runners:
    default: {type: ShellRunner}
`;

const HOST = { processEnv: { PATH: '/bin' }, home: '/home' };

describe('a job keeps the definition it was submitted with', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'damson-revisions-'));
  const dir = path.join(root, 'services');
  const file = path.join(dir, 'v.service.yaml');
  const storeFile = path.join(root, 'store.sqlite');
  mkdirSync(dir);
  writeFileSync(file, serviceText('--old'));

  test('across an edit, a broken edit, a removal and a restart', async () => {
    const store = new SqliteJobStore(storeFile);
    const serverCatalog = new ServiceCatalog(dir);
    serverCatalog.reload();
    const server = new ServiceRevisions(store, serverCatalog);
    const submitted = serverCatalog.get('v');
    if (!submitted) throw new Error('not loaded');
    const job = await store.insertJob({
      id: 'AAAAAAAAAAAAAAAA',
      service: 'v',
      inputs: { word: 'hi' },
      parameters: { word: 'hi' },
      workDir: 'AA/AA/AAAAAAAAAAAA',
      serviceRevision: await server.remember(submitted),
    });

    // The file changes before the scheduler takes the job.
    writeFileSync(file, serviceText('--new'));
    const schedulerCatalog = new ServiceCatalog(dir);
    schedulerCatalog.reload();
    const scheduler = new ServiceRevisions(store, schedulerCatalog);
    const argvOf = async () => {
      const service = await scheduler.forJob(job);
      if (!service) throw new Error('definition lost');
      return buildCommand(service, service.runners[0], job.inputs, HOST).argv;
    };
    expect(schedulerCatalog.get('v')?.args[0].template).toBe('--new=$(value)');
    expect(await argvOf()).toEqual(['echo', '--old=hi']);

    // A new job gets the new definition.
    expect(
      await scheduler.forJob({
        service: 'v',
        serviceRevision: schedulerCatalog.get('v')?.revision ?? null,
      }),
    ).toBe(schedulerCatalog.get('v'));

    // Broken, then removed: the stored definition still answers.
    writeFileSync(file, 'name: [broken');
    expect(schedulerCatalog.reload()).toHaveLength(1);
    expect(await argvOf()).toEqual(['echo', '--old=hi']);
    rmSync(file);
    schedulerCatalog.reload();
    expect(schedulerCatalog.get('v')).toBeUndefined();
    expect(await argvOf()).toEqual(['echo', '--old=hi']);
    await store.close();

    // A restarted scheduler reads it from the store.
    const reopened = new SqliteJobStore(storeFile);
    const fresh = new ServiceRevisions(reopened, new ServiceCatalog(dir));
    const restored = await fresh.forJob(job);
    expect(restored?.args[0].template).toBe('--old=$(value)');
    expect(restored?.revision).toBe(submitted.revision);
    await reopened.close();
  });

  test('a job from before revisions were recorded uses the current definition', async () => {
    const store = new SqliteJobStore(storeFile);
    writeFileSync(file, serviceText('--now'));
    const catalog = new ServiceCatalog(dir);
    catalog.reload();
    const revisions = new ServiceRevisions(store, catalog);
    expect(
      (await revisions.forJob({ service: 'v', serviceRevision: null }))?.args[0].template,
    ).toBe('--now=$(value)');
    await store.close();
  });
});

describe('the catalog on reload', () => {
  test('keeps the last good version of a broken file and remembers the error and since when', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'damson-catalog-'));
    const file = path.join(dir, 'x.service.yaml');
    writeFileSync(file, serviceText('--one'));
    const catalog = new ServiceCatalog(dir);
    expect(catalog.reload()).toEqual([]);
    const good = catalog.get('x');
    writeFileSync(file, serviceText('--one').replace('type: text', 'type: txt'));
    const [error] = catalog.reload();
    expect(error.message).toMatch(/x\.service\.yaml:4:28: at 'parameters\/word\/type'/);
    expect(catalog.get('x')).toBe(good);
    const first = catalog.problem('x');
    expect(first?.error).toBe(error);
    catalog.reload();
    expect(catalog.problem('x')?.since).toBe(first?.since);
    writeFileSync(file, serviceText('--two'));
    expect(catalog.reload()).toEqual([]);
    expect(catalog.problem('x')).toBeUndefined();
    expect(catalog.get('x')?.args[0].template).toBe('--two=$(value)');
  });
  test('a new file that is broken is not served', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'damson-catalog-'));
    writeFileSync(path.join(dir, 'y.service.yaml'), 'name: y');
    const catalog = new ServiceCatalog(dir);
    expect(catalog.reload()).toHaveLength(1);
    expect(catalog.list()).toEqual([]);
  });
});

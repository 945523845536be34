import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiClient, type JobBody } from '../helpers/api-client';
import { makeDamsonHome, type DamsonHome } from '../helpers/damson-home';
import { startDamson, type RunningDamson } from '../helpers/damson-process';
import { waitFor } from '../helpers/wait-for';

jest.setTimeout(90_000);

/** A tool that appends a line to a ledger on every run, so a test counts real runs. */
function ledgerService(ledger: string, cache: string, description = 'counts its runs'): string {
  return [
    "slivka-version: '0.8.3'",
    'name: Ledger',
    `description: ${description}`,
    ...(cache ? [`cache: ${cache}`] : []),
    'parameters:',
    '  input: {name: Input, type: file}',
    '  tag: {name: Tag, type: text, required: false}',
    `command: [sh, -c, 'echo run >> ${ledger}; cat "$1"', ledger]`,
    'args:',
    '  input: {arg: $(value)}',
    '  tag: {arg: --tag=$(value)}',
    'outputs:',
    '  out: {path: stdout, name: Output, media-type: text/plain}',
    'execution:',
    '  runners:',
    '    default: {type: ShellRunner}',
    '',
  ].join('\n');
}

describe('result cache', () => {
  let services: string;
  let home: DamsonHome;
  let damson: RunningDamson;
  let api: ApiClient;
  const ledgers: Record<string, string> = {};

  const runs = (service: string): number => {
    try {
      return readFileSync(ledgers[service], 'utf8').split('\n').filter(Boolean).length;
    } catch {
      return 0;
    }
  };

  beforeAll(async () => {
    services = mkdtempSync(path.join(tmpdir(), 'damson-cache-services-'));
    for (const [id, cache] of [
      ['cached', 'true'],
      ['aged', '{max-age: 7d}'],
      ['plain', ''],
    ]) {
      ledgers[id] = path.join(services, `${id}.ledger`);
      writeFileSync(path.join(services, `${id}.service.yaml`), ledgerService(ledgers[id], cache));
    }
    home = await makeDamsonHome({}, services);
    damson = await startDamson(home, ['start'], 45_000);
    api = new ApiClient(home.baseUrl);
  });

  afterAll(async () => {
    await damson?.stop();
    rmSync(services, { recursive: true, force: true });
    if (home) rmSync(home.home, { recursive: true, force: true });
  });

  function form(content: string, tag?: string): FormData {
    const body = new FormData();
    body.set('input', new Blob([content], { type: 'text/plain' }), 'input.txt');
    if (tag !== undefined) body.set('tag', tag);
    return body;
  }

  async function submit(service: string, body: FormData, query = ''): Promise<JobBody> {
    const res = await api.json<JobBody & { cachedFrom?: string }>(
      `/api/services/${service}/jobs${query}`,
      { method: 'POST', body },
    );
    expect(res.status).toBe(202);
    return res.body;
  }

  const done = (job: JobBody) => api.waitForState(job.id, ['COMPLETED', 'FAILED', 'ERROR']);

  it('runs a cached service once for the same input; the hit is COMPLETED at once', async () => {
    const first = await done(await submit('cached', form('same bytes\n', 'a')));
    expect(first.status).toBe('COMPLETED');
    expect(runs('cached')).toBe(1);
    const hit = (await submit('cached', form('same bytes\n', 'a'))) as JobBody & {
      cachedFrom?: string;
    };
    expect(hit.status).toBe('COMPLETED');
    expect(hit.cachedFrom).toBe(first.id);
    expect(hit.id).not.toBe(first.id);
    expect(runs('cached')).toBe(1);
    // Its files are the original's, served through the hit's own routes.
    const files = await api.files(hit.id);
    const out = files.find((f) => f.path === 'stdout');
    expect(out).toBeDefined();
    expect(await api.bytes(out!['@content'])).toBe('same bytes\n');
    const one = await api.json<{ '@content': string }>(`/api/jobs/${hit.id}/files/stdout`);
    expect(one.status).toBe(200);
    expect(await api.bytes(one.body['@content'])).toBe('same bytes\n');
    // Polled later, the hit still says where it came from.
    expect(await api.json(`/api/jobs/${hit.id}`)).toMatchObject({
      body: { cachedFrom: first.id, status: 'COMPLETED' },
    });
  });

  it('runs twice for a different input or a different parameter', async () => {
    const before = runs('aged');
    await done(await submit('aged', form('one\n', 'x')));
    await done(await submit('aged', form('two\n', 'x')));
    await done(await submit('aged', form('two\n', 'y')));
    expect(runs('aged')).toBe(before + 3);
    const again = (await submit('aged', form('two\n', 'y'))) as JobBody & { cachedFrom?: string };
    expect(again.cachedFrom).toBeDefined();
    expect(runs('aged')).toBe(before + 3);
  });

  it('runs when ?cache=no forces it, and refuses an unknown cache value', async () => {
    const first = await done(await submit('cached', form('forced\n')));
    const before = runs('cached');
    const forced = (await submit('cached', form('forced\n'), '?cache=no')) as JobBody & {
      cachedFrom?: string;
    };
    expect(forced.cachedFrom).toBeUndefined();
    expect((await done(forced)).status).toBe('COMPLETED');
    expect(runs('cached')).toBe(before + 1);
    expect(first.id).not.toBe(forced.id);
    const bad = await api.json(`/api/services/cached/jobs?cache=maybe`, {
      method: 'POST',
      body: form('forced\n'),
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'invalid_query', parameter: 'cache' } });
  });

  it('never caches a service that did not opt in', async () => {
    await done(await submit('plain', form('plain\n')));
    const second = (await submit('plain', form('plain\n'))) as JobBody & { cachedFrom?: string };
    expect(second.cachedFrom).toBeUndefined();
    await done(second);
    expect(runs('plain')).toBe(2);
  });

  it('runs again after the service file changed (a new revision)', async () => {
    await done(await submit('cached', form('revised\n')));
    const before = runs('cached');
    writeFileSync(
      path.join(services, 'cached.service.yaml'),
      ledgerService(ledgers.cached, 'true', 'counts its runs, edited'),
    );
    await waitFor(async () => {
      const { body } = await api.json<{ description: string }>('/api/services/cached');
      return body.description.endsWith('edited') ? true : undefined;
    }, 'the edited service file to load');
    const after = (await submit('cached', form('revised\n'))) as JobBody & {
      cachedFrom?: string;
    };
    expect(after.cachedFrom).toBeUndefined();
    await done(after);
    expect(runs('cached')).toBe(before + 1);
    // The new revision caches its own results from now on.
    const hit = (await submit('cached', form('revised\n'))) as JobBody & { cachedFrom?: string };
    expect(hit.cachedFrom).toBe(after.id);
    expect(runs('cached')).toBe(before + 1);
  });
});

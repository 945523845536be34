/// <reference lib="dom" />
// Functions passed to page.evaluate run in the browser, hence the DOM types.
import type { BrowserContext, Page } from 'playwright-core';
import type { DamsonHome } from '../helpers/damson-home';
import { describeWithBrowser } from './browser';
import {
  FINISHED,
  isSameDocument,
  markDocument,
  usePortalSession,
  waitForState as stateOf,
} from './portal-session';

jest.setTimeout(60_000);

// Jobs that take seconds: a file of their own, so Jest runs them beside the other portal tests.
describeWithBrowser('the portal follows running jobs', () => {
  const session = usePortalSession();
  let page: Page;
  let home: DamsonHome;
  let context: BrowserContext;
  beforeAll(() => {
    ({ page, home, context } = session);
  });

  it('shows outputs as they appear, while the job runs', async () => {
    await page.goto(`${home.baseUrl}/#/services/progress`);
    await page.getByRole('button', { name: 'Submit job' }).click();
    await page.waitForURL(/#\/jobs\//);
    await page.locator('.output[data-path="partial.txt"]').waitFor({ timeout: 10_000 });
    // Before the job ends (the page may not have seen RUNNING yet, but never a finished state).
    await expect(
      page.locator('.state-line [data-state]').getAttribute('data-state'),
    ).resolves.not.toMatch(FINISHED);
    await expect(page.locator('.output[data-path="final.txt"]').count()).resolves.toBe(0);
    // An open preview follows the file as the job writes more of it.
    const partial = page.locator('.output[data-path="partial.txt"]');
    await partial.locator('summary').click();
    await expect(partial.locator('pre').textContent()).resolves.toBe('first part\n');
    expect(await stateOf(page, FINISHED)).toBe('COMPLETED');
    await page.locator('.output[data-path="final.txt"]').waitFor();
    await page.waitForFunction(
      () =>
        document.querySelector('.output[data-path="partial.txt"] pre')?.textContent ===
        'first part\nsecond part\n',
    );
  });

  it('cancels a long job from its page', async () => {
    await page.goto(`${home.baseUrl}/#/services/sleep`);
    await page.getByLabel('Seconds').fill('120');
    await page.getByRole('button', { name: 'Submit job' }).click();
    await page.waitForURL(/#\/jobs\//);
    await stateOf(page, /^RUNNING$/);
    await page.getByRole('button', { name: 'Cancel job' }).click();
    const final = await stateOf(page, FINISHED);
    expect(['INTERRUPTED', 'DELETED']).toContain(final);
    await expect(page.getByRole('button', { name: 'Cancel job' }).isHidden()).resolves.toBe(true);
  });

  it('falls back to long-poll, then to polling every second, where the server lacks them', async () => {
    const other = await context.newPage();
    // As behind a proxy that drops event streams.
    await other.route('**/api/jobs/*/events', (route) =>
      route.fulfill({
        status: 404,
        contentType: 'application/json',
        body: '{"error":{"code":"not_found","message":"no route"}}',
      }),
    );
    const runSleep = async (): Promise<string> => {
      await other.goto(`${home.baseUrl}/#/services/sleep`);
      await other.getByLabel('Seconds').fill('2');
      await other.getByRole('button', { name: 'Submit job' }).click();
      await other.waitForURL(/#\/jobs\//);
      const id = decodeURIComponent(new URL(other.url()).hash.split('/')[2]);
      await markDocument(other);
      expect(await stateOf(other, FINISHED)).toBe('COMPLETED');
      await expect(isSameDocument(other)).resolves.toBe(true);
      return id;
    };
    await runSleep();
    // Does this server hold a long-poll? It answers at once when it ignores `wait`.
    const probe = await fetch(`${home.baseUrl}/api/services/sleep/jobs`, {
      method: 'POST',
      body: new URLSearchParams({ seconds: '30' }),
    }).then((r) => r.json() as Promise<{ id: string; status: string }>);
    for (let i = 0; i < 200 && probe.status !== 'RUNNING'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      probe.status = (await (await fetch(`${home.baseUrl}/api/jobs/${probe.id}`)).json()).status;
    }
    const started = Date.now();
    const seen = await fetch(`${home.baseUrl}/api/jobs/${probe.id}?wait=1&status=RUNNING`).then(
      (r) => r.json() as Promise<{ status: string }>,
    );
    const honoured = seen.status === 'RUNNING' && Date.now() - started >= 900;
    await fetch(`${home.baseUrl}/api/jobs/${probe.id}`, { method: 'DELETE' });
    await expect(other.locator('.mode').textContent()).resolves.toBe(
      honoured ? ' (waiting for changes)' : ' (checked every second)',
    );

    // As a server without long-poll: the `wait` is dropped on the way.
    await other.route(/\/api\/jobs\/[^/?]+\?.*wait=/, async (route) => {
      const url = new URL(route.request().url());
      url.search = '';
      await route.fulfill({ response: await route.fetch({ url: url.href }) });
    });
    await runSleep();
    await expect(other.locator('.mode').textContent()).resolves.toBe(' (checked every second)');
    await other.close();
  });

  it('shows how far a large upload has got', async () => {
    const slow = await context.newPage();
    const cdp = await context.newCDPSession(slow);
    await cdp.send('Network.enable');
    // About 200 kB/s up: a 400 kB file takes two seconds.
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 200 * 1024,
    });
    await slow.goto(`${home.baseUrl}/#/services/head`);
    await slow.locator('[data-param=input] input[type=file]').setInputFiles({
      name: 'big.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('a line of text\n'.repeat(400 * 64)),
    });
    await slow.getByRole('button', { name: 'Submit job' }).click();
    const seen = await slow.waitForFunction(
      () => {
        const bar = document.querySelector<HTMLProgressElement>('.upload-progress progress');
        return bar !== null && bar.offsetParent !== null && bar.value > 0 && bar.value < 1
          ? bar.value
          : null;
      },
      undefined,
      { timeout: 10_000 },
    );
    expect(await seen.jsonValue()).toBeGreaterThan(0);
    await slow.waitForURL(/#\/jobs\//, { timeout: 20_000 });
    expect(await stateOf(slow, FINISHED)).toBe('COMPLETED');
    await slow.close();
  });

  it('asked no other host for anything, and threw no uncaught error', () => {
    expect(session.foreignRequests).toEqual([]);
    expect(session.pageErrors).toEqual([]);
  });
});

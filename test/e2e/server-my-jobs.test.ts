import type { Browser } from 'playwright-core';
import { makeDamsonHome, type DamsonHome } from '../helpers/damson-home';
import { startDamson, type RunningDamson } from '../helpers/damson-process';
import { describeWithBrowser, launchChromium } from './browser';
import { expectCount } from './portal-session';

jest.setTimeout(60_000);

const TOKEN = 'alice-portal-token-0123456789abcdef';

/**
 * "My jobs" comes from the server: jobs a token submitted through the API appear in a browser that
 * never saw them once it is given the token; without it, the page says the list is this browser's.
 */
describeWithBrowser('"My jobs" from the server', () => {
  let home: DamsonHome;
  let damson: RunningDamson;
  let browser: Browser;

  beforeAll(async () => {
    // `api.list-jobs: token` (the default): listing without a token is a 401.
    home = await makeDamsonHome({ 'api.tokens': [{ name: 'alice', token: TOKEN }] });
    damson = await startDamson(home);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await damson?.stop();
  });

  it('lists a token’s API submissions in a fresh browser given the token', async () => {
    const ids: string[] = [];
    for (const word of ['one', 'two']) {
      const res = await fetch(`${home.baseUrl}/api/services/words/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
        body: new URLSearchParams({ words: word }),
      });
      expect(res.status).toBe(202);
      ids.push(((await res.json()) as { id: string }).id);
    }

    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${home.baseUrl}/#/my-jobs`);
    await page.getByRole('heading', { level: 1, name: 'My jobs' }).waitFor();
    // No token yet: the server refuses the listing and the page says the list is local.
    await page.locator('[data-source=browser]').waitFor();
    await expect(page.locator('[data-source=browser]').textContent()).resolves.toMatch(
      /only for API token holders/,
    );
    await expectCount(page.locator('tr[data-job]'), 0);

    await page.locator('.token-panel summary').click();
    await page.getByLabel('API token').fill(TOKEN);
    await page.getByRole('button', { name: 'Save token' }).click();
    await expectCount(page.locator('tr[data-job]'), 2);
    for (const id of ids) await page.locator(`tr[data-job="${id}"]`).waitFor();
    await expectCount(page.locator('[data-source=browser]'), 0);
    // The token was stored, never shown back.
    await expect(page.getByLabel('API token').inputValue()).resolves.toBe('');
    await context.close();
  });

  it('forgets a token the server does not accept, and says so', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${home.baseUrl}/#/my-jobs`);
    await page.locator('.token-panel summary').click();
    await page.getByLabel('API token').fill('unknown-token-0123456789abcdef');
    await page.getByRole('button', { name: 'Save token' }).click();
    await page.locator('[data-source=browser]', { hasText: 'did not accept' }).waitFor();
    await expect(
      page.evaluate(() => localStorage.getItem('damson.api-token.v1')),
    ).resolves.toBeNull();
    // Without the refused token the rest of the portal works as before.
    await page.goto(`${home.baseUrl}/#/`);
    await page.getByRole('link', { name: 'Word formatter' }).waitFor();
    await context.close();
  });
});

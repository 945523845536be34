import type { Browser, Page } from 'playwright-core';
import { makeDamsonHome, type DamsonHome } from '../helpers/damson-home';
import { startDamson, type RunningDamson } from '../helpers/damson-process';
import { describeWithBrowser, launchChromium } from './browser';
import { FINISHED, waitForState } from './portal-session';

jest.setTimeout(60_000);

// slivka deployments often live under a path (`server.prefix`); the page uses relative URLs.
describeWithBrowser('the portal under a URL prefix', () => {
  let home: DamsonHome;
  let damson: RunningDamson;
  let browser: Browser;
  let page: Page;
  const outsidePrefix: string[] = [];

  beforeAll(async () => {
    home = await makeDamsonHome({ 'server.prefix': '/tools' });
    damson = await startDamson(home);
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('request', (r) => {
      const url = new URL(r.url());
      if (!url.pathname.startsWith('/tools/')) outsidePrefix.push(url.pathname);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await damson?.stop();
  });

  it('loads, submits and previews with every request under the prefix', async () => {
    await page.goto(`${home.baseUrl}/tools/`);
    await page.getByRole('link', { name: 'Word formatter' }).click();
    await page.getByLabel('Words 1', { exact: true }).fill('prefixed');
    await page.getByRole('button', { name: 'Submit job' }).click();
    await page.waitForURL(/\/tools\/#\/jobs\//);
    expect(await waitForState(page, FINISHED)).toBe('COMPLETED');
    const words = page.locator('.output[data-path="words.txt"]');
    await words.locator('summary').click();
    await expect(words.locator('pre').textContent()).resolves.toBe('prefixed\n');
    await expect(
      words.getByRole('link', { name: /Download/ }).getAttribute('href'),
    ).resolves.toMatch(/^\/tools\/media\/jobs\//);
    expect(outsidePrefix).toEqual([]);
  });
});

import { symlinkSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { makeDamsonHome, REPO_ROOT, type DamsonHome } from '../helpers/damson-home';
import { startDamson, type RunningDamson } from '../helpers/damson-process';
import { describeWithBrowser, launchChromium } from './browser';

jest.setTimeout(90_000);

/**
 * A published template in real Chromium: found in the catalogue, submitted from its generated
 * form, followed on the pipeline page to the end, and each step's job page links back.
 */
describeWithBrowser('a pipeline template from the catalogue to the end', () => {
  let home: DamsonHome;
  let damson: RunningDamson | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    home = await makeDamsonHome(
      { 'scheduler.poll-interval': 200 } as unknown as Record<string, string>,
      path.join(REPO_ROOT, 'test/fixtures/pipeline-services'),
    );
    symlinkSync(
      path.join(REPO_ROOT, 'test/fixtures/pipeline-templates/good'),
      path.join(home.home, 'pipelines'),
    );
    damson = await startDamson(home, ['start'], 45_000);
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(String(error)));
  });

  afterAll(async () => {
    await browser?.close();
    await damson?.stop();
  });

  it('submits the form and shows every step COMPLETED with links both ways', async () => {
    await page.goto(`${home.baseUrl}/#/`);
    await page.getByRole('link', { name: 'Label then collect' }).click();
    await page.waitForURL(/#\/pipeline-templates\/two-steps$/);
    await page.getByLabel('Label (first)').fill('from the browser');
    await page.getByRole('button', { name: 'Run the pipeline' }).click();
    await page.waitForURL(/#\/pipelines\//);
    await page
      .locator('.pipeline-status', { hasText: 'Status: COMPLETED' })
      .waitFor({ timeout: 45_000 });
    const states = await page.locator('.pipeline-step .state').allTextContents();
    expect(states).toEqual(['COMPLETED', 'COMPLETED']);
    const pipelineUrl = page.url();
    await page.getByRole('link', { name: 'second (step)' }).click();
    await page.waitForURL(/#\/jobs\//);
    await page.locator('.pipeline-link a').click();
    await page.waitForURL(pipelineUrl);
    expect(pageErrors).toEqual([]);
  });
});

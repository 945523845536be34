/// <reference lib="dom" />
// Functions passed to page.evaluate run in the browser, hence the DOM types.
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { makeDamsonHome, REPO_ROOT, type DamsonHome } from '../helpers/damson-home';
import { startDamson, type RunningDamson } from '../helpers/damson-process';
import { describeWithBrowser, launchChromium } from './browser';
import { FINISHED, waitForState } from './portal-session';

jest.setTimeout(90_000);

/**
 * The job page of a running job in real Chromium: its progress bar moves and its stdout appears
 * line by line while the tool writes it (the ticker service: a line and a "<n>% done" every
 * 200 ms, progress declared in its service file).
 */
describeWithBrowser('the job page follows a running job live', () => {
  let home: DamsonHome;
  let damson: RunningDamson | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    home = await makeDamsonHome({}, path.join(REPO_ROOT, 'test/fixtures/live-services'));
    damson = await startDamson(home, ['start'], 45_000);
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(String(error)));
  });

  afterAll(async () => {
    await browser?.close();
    await damson?.stop();
  });

  it('shows a progress bar moving and log lines appearing while the job runs', async () => {
    await page.goto(`${home.baseUrl}/#/services/ticker`);
    await page.getByLabel('Lines').fill('40');
    await page.getByLabel('Interval (ms)').fill('200');
    await page.getByRole('button', { name: 'Submit job' }).click();
    await page.waitForURL(/#\/jobs\//);
    const tail = page.locator('.live-tail[data-path="stdout"] pre');
    const lines = (): Promise<number> =>
      tail.evaluate((el) => (el.textContent ?? '').split('\n').filter(Boolean).length);
    const percent = (): Promise<number> =>
      page.locator('.job-progress-bar').evaluate((el) => (el as HTMLProgressElement).value);

    await page.locator('.job-progress:not([hidden])').waitFor({ timeout: 15_000 });
    await tail.waitFor({ timeout: 15_000 });
    const first = { lines: await lines(), percent: await percent() };
    await page.waitForFunction(
      (before) => {
        const pre = document.querySelector('.live-tail[data-path="stdout"] pre');
        const bar = document.querySelector<HTMLProgressElement>('.job-progress-bar');
        const count = (pre?.textContent ?? '').split('\n').filter(Boolean).length;
        return count >= before.lines + 5 && (bar?.value ?? 0) > before.percent;
      },
      first,
      { timeout: 15_000 },
    );
    // It moved while the job was still running, not at its end.
    await expect(
      page.locator('.state-line [data-state]').getAttribute('data-state'),
    ).resolves.not.toMatch(FINISHED);
    expect(await percent()).toBeLessThan(100);
    // The text is the tool's own, as text: the multi-byte characters arrive whole.
    await expect(tail.textContent()).resolves.toMatch(/^tick 1 é🌱 \d+$/m);

    expect(await waitForState(page, FINISHED, 30_000)).toBe('COMPLETED');
    await page.locator('.live-tail[data-path="stdout"][data-complete]').waitFor();
    expect(await lines()).toBe(40);
    expect(await percent()).toBe(100);
    // The timeline gives each state the time the server sent (`history[].time`), as a UTC time.
    const times = await page
      .locator('.job-timeline time')
      .evaluateAll((els) => els.map((el) => el.getAttribute('datetime')));
    expect(times.length).toBeGreaterThanOrEqual(3);
    for (const time of times) expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(pageErrors).toEqual([]);
  });
});

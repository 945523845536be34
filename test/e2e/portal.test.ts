/// <reference lib="dom" />
// Functions passed to page.evaluate run in the browser, hence the DOM types.
import { readFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import type { DamsonHome } from '../helpers/damson-home';
import { describeWithBrowser, screenshotPath } from './browser';
import {
  expectCount,
  FINISHED,
  isSameDocument,
  jobIdFromUrl as jobIdOf,
  markDocument,
  usePortalSession,
  waitForState as stateOf,
} from './portal-session';

jest.setTimeout(60_000);

describeWithBrowser('the portal in Chromium against damson start', () => {
  const session = usePortalSession();
  const submitted: string[] = [];
  let headJobId = '';
  let page: Page;
  let home: DamsonHome;
  let context: BrowserContext;
  // Registered after the session's own beforeAll, so its fields are set.
  beforeAll(() => {
    ({ page, home, context } = session);
  });
  it('shows the catalogue with versions, classifiers and health, filtered by search and tag', async () => {
    await page.goto(`${home.baseUrl}/`);
    await page.getByRole('heading', { level: 1, name: 'Services' }).waitFor();
    const cards = page.locator('.service-card');
    await expectCount(cards, 6);
    // The report service has a health test, run when damson starts: its card says it works.
    const report = cards.filter({ hasText: 'Hostile report' }).locator('.badge');
    for (let i = 0; i < 100 && (await report.textContent())?.includes('Not tested'); i++) {
      await new Promise((r) => setTimeout(r, 200));
      await page.reload();
      await expectCount(cards, 6);
    }
    await expect(report.textContent()).resolves.toContain('Working');
    const head = cards.filter({ hasText: 'First lines' });
    await expect(head.locator('.meta').textContent()).resolves.toContain('Version 1.0');
    await expect(head.locator('.badge').textContent()).resolves.toContain('Not tested');

    await page.getByLabel('Search', { exact: true }).fill('word');
    await expectCount(cards, 1);
    await expect(cards.first().textContent()).resolves.toContain('Word formatter');
    await page.getByLabel('Search', { exact: true }).fill('');

    await page.getByLabel('Classifier', { exact: true }).selectOption('Topic=Testing');
    await expectCount(cards, 4);
    await expect(page.locator('.count').textContent()).resolves.toBe('4 of 6 services');
    await page.getByLabel('Classifier', { exact: true }).selectOption('');
    // A classifier chip filters too.
    await head.getByRole('button', { name: 'Operation=Filtering' }).click();
    await expectCount(cards, 1);
    await page.getByLabel('Classifier', { exact: true }).selectOption('');
    await page.screenshot({ path: screenshotPath('catalogue'), fullPage: true });
  });

  it('shows the server’s field error, then submits a dropped file and follows the job live to COMPLETED', async () => {
    await page.goto(`${home.baseUrl}/#/`);
    await page.getByRole('link', { name: 'First lines' }).click();
    await page.getByRole('heading', { level: 1, name: 'First lines' }).waitFor();
    const lines = page.getByLabel('Number of lines');
    await expect(lines.inputValue()).resolves.toBe('10');
    await expect(page.locator('[data-param=input] legend').textContent()).resolves.toContain(
      'required',
    );
    await lines.fill('3');
    // Bytes no text file has: only the server can tell (media type check).
    await page.locator('[data-param=input] input[type=file]').setInputFiles({
      name: 'binary.txt',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from([0x00, 0x01, 0x02, 0xff, 0x00]),
    });
    await page.screenshot({ path: screenshotPath('form'), fullPage: true });
    await page.getByRole('button', { name: 'Submit job' }).click();
    const inputError = page.locator('[data-param=input] .error');
    await inputError.waitFor({ state: 'visible' });
    await expect(inputError.textContent()).resolves.toMatch(/not a valid text\/plain/);
    await expect(page.locator('.error-summary').textContent()).resolves.toContain(
      'The server refused some values',
    );
    await page.screenshot({ path: screenshotPath('form-server-error'), fullPage: true });

    // Fix it by dropping a text file on the field.
    await page.locator('[data-param=input] .dropzone').evaluate((zone) => {
      const transfer = new DataTransfer();
      transfer.items.add(
        new File(['one\ntwo\nthree\nfour\n'], 'lines.txt', { type: 'text/plain' }),
      );
      zone.dispatchEvent(
        new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }),
      );
    });
    await expect(page.locator('[data-param=input] .picked').textContent()).resolves.toContain(
      'lines.txt',
    );
    await expect(inputError.isHidden()).resolves.toBe(true);

    await markDocument(page);
    await page.getByRole('button', { name: 'Submit job' }).click();
    await page.waitForURL(/#\/jobs\/[A-Za-z0-9_-]+$/);
    headJobId = jobIdOf(page);
    submitted.push(headJobId);
    expect(await stateOf(page, FINISHED)).toBe('COMPLETED');
    // The state changed in this document: no reload happened.
    await expect(isSameDocument(page)).resolves.toBe(true);
    await expect(page.locator('.timing').textContent()).resolves.toMatch(/Duration\d+ s/);
    await expect(page.getByRole('button', { name: 'Cancel job' }).isHidden()).resolves.toBe(true);

    const stdout = page.locator('.output[data-path=stdout]');
    const preview = stdout.locator('pre.output-text');
    await preview.waitFor();
    await expect(preview.textContent()).resolves.toBe('one\ntwo\nthree\n');
    await page.screenshot({ path: screenshotPath('job-finished'), fullPage: true });
    // The command the job ran, and its environment's names (never values), as recorded.
    await page.locator('details.command summary').click();
    await expect(page.locator('.command-line').textContent()).resolves.toMatch(/^head -n 3 \S+$/);
    await expect(page.locator('.command-env').textContent()).resolves.toContain('PATH');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      stdout.getByRole('link', { name: /Download/ }).click(),
    ]);
    // Chromium may add an extension for text/plain.
    expect(download.suggestedFilename()).toMatch(/^stdout/);
    expect(readFileSync(await download.path(), 'utf8')).toBe('one\ntwo\nthree\n');
  });

  it('uses another job’s output as a file input', async () => {
    await page.goto(`${home.baseUrl}/#/services/head`);
    await page.getByLabel('or use an existing file id').fill(`${headJobId}/stdout`);
    await page.getByLabel('Number of lines').fill('2');
    await page.getByRole('button', { name: 'Submit job' }).click();
    await page.waitForURL(/#\/jobs\//);
    submitted.push(jobIdOf(page));
    expect(await stateOf(page, FINISHED)).toBe('COMPLETED');
    const preview = page.locator('.output[data-path=stdout] pre.output-text');
    await preview.waitFor();
    await expect(preview.textContent()).resolves.toBe('one\ntwo\n');
  });

  it('shows outputs with <script> and an HTML file as text, shows the image, and runs no script', async () => {
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${home.baseUrl}/#/services/report`);
    await expect(page.locator('.lead').textContent()).resolves.toContain(
      `<img src=x onerror="window.__pwned = 'description'">`,
    );
    await page.getByRole('button', { name: 'Submit job' }).click();
    await page.waitForURL(/#\/jobs\//);
    submitted.push(jobIdOf(page));
    expect(await stateOf(page, FINISHED)).toBe('COMPLETED');
    for (const path of ['report.html', 'plot.png']) {
      await page.locator(`.output[data-path="${path}"] summary`).click();
    }
    const stdout = page.locator('.output[data-path=stdout] pre');
    await stdout.waitFor();
    await expect(stdout.textContent()).resolves.toContain(
      '<script>window.__pwned = "stdout"</script><b>report</b>',
    );
    const html = page.locator('.output[data-path="report.html"] pre');
    await html.waitFor();
    await expect(html.textContent()).resolves.toContain(
      '<script>window.__pwned = "html"; alert(1)</script>',
    );
    const image = page.locator('.output[data-path="plot.png"] img');
    await image.waitFor();
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('.output[data-path="plot.png"] img');
      return img !== null && img.complete && img.naturalWidth === 16;
    });
    expect(await page.locator('.outputs b, .outputs script, .outputs h1').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(1);
    await page.screenshot({ path: screenshotPath('job-hostile-outputs'), fullPage: true });

    // Opened directly, the HTML output is served as text in a sandbox.
    const direct = await context.newPage();
    direct.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const content = await page
      .locator('.output[data-path="report.html"] a[download]')
      .getAttribute('href');
    const res = await direct.goto(new URL(content ?? '', home.baseUrl).href);
    expect(res?.headers()['content-type']).toMatch(/^text\/plain/);
    await expect(direct.locator('body').textContent()).resolves.toContain('<script>');
    await direct.close();

    await expect(
      page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned),
    ).resolves.toBeUndefined();
    expect(dialogs).toEqual([]);
  });

  it('works from the keyboard alone, and says how it follows the job', async () => {
    await page.goto(`${home.baseUrl}/#/services/sleep`);
    await page.getByRole('heading', { level: 1, name: 'Sleep' }).waitFor();
    // The skip link is the first focusable element, and shows itself when focused.
    await expect(
      page.evaluate(() => document.querySelector('a[href], button, input, select')?.className),
    ).resolves.toBe('skip-link');
    await page.locator('.skip-link').focus();
    await expect(
      page
        .locator('.skip-link')
        .boundingBox()
        .then((box) => (box?.x ?? -1) >= 0),
    ).resolves.toBe(true);
    await page.keyboard.press('Enter');
    await expect(page.evaluate(() => document.activeElement?.tagName)).resolves.toBe('H1');
    await page.getByLabel('Seconds').focus();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('0.2');
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/jobs\//);
    const id = jobIdOf(page);
    submitted.push(id);
    expect(await stateOf(page, FINISHED)).toBe('COMPLETED');
    const events = await fetch(`${home.baseUrl}/api/jobs/${id}/events`);
    await events.body?.cancel();
    const mode = await page.locator('.mode').textContent();
    if (events.status === 404) expect(mode).toMatch(/checked every second|waiting for changes/);
    else expect(mode).toBe(' (live)');
  });

  it('lists this browser’s jobs newest first, with their states', async () => {
    await page.goto(`${home.baseUrl}/#/my-jobs`);
    await page.getByRole('heading', { level: 1, name: 'My jobs' }).waitFor();
    const rows = page.locator('tr[data-job]');
    await expect(
      rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-job'))),
    ).resolves.toEqual([...submitted].reverse());
    await page.waitForFunction(() =>
      [...document.querySelectorAll('tr[data-job] .state-cell')].every(
        (c) => c.textContent !== '…',
      ),
    );
    await expect(rows.first().locator('.state-cell').textContent()).resolves.toBe('COMPLETED');
  });

  it('plots usage per month and service, and links the API reference', async () => {
    await page.goto(`${home.baseUrl}/#/usage`);
    await page.getByRole('heading', { level: 1, name: 'Usage' }).waitFor();
    const bars = page.locator('svg.chart rect.bar');
    // A bar for each service this file's tests ran (the form's jobs run in portal-form's server).
    expect(await bars.count()).toBeGreaterThanOrEqual(3);
    const services = await bars.evaluateAll((rects) =>
      rects.map((r) => r.getAttribute('data-service')),
    );
    expect(services).toEqual(expect.arrayContaining(['head', 'sleep', 'report']));
    const headRow = page.locator('.usage-table thead th');
    await expect(headRow.allTextContents()).resolves.toEqual(
      expect.arrayContaining(['head', 'Total']),
    );
    await expect(
      page.locator('main').getByRole('link', { name: 'API reference' }).getAttribute('href'),
    ).resolves.toBe('api/reference');
    await page.screenshot({ path: screenshotPath('usage'), fullPage: true });
  });

  it('fits a phone screen without sideways scrolling', async () => {
    const phone = await context.newPage();
    await phone.setViewportSize({ width: 375, height: 740 });
    for (const route of ['#/', '#/services/words', `#/jobs/${headJobId}`]) {
      await phone.goto(`${home.baseUrl}/${route}`);
      await phone.locator('main h1').waitFor();
      const overflow = await phone.evaluate(
        () => document.documentElement.scrollWidth - window.innerWidth,
      );
      expect({ route, overflow }).toEqual({ route, overflow: 0 });
    }
    await phone.screenshot({ path: screenshotPath('job-phone'), fullPage: true });
    await phone.close();
  });

  it('says so when a job does not exist', async () => {
    await page.goto(`${home.baseUrl}/#/jobs/NoSuchJob0000000`);
    await page.getByRole('heading', { level: 1, name: 'Cannot show this page' }).waitFor();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/not found/i);
  });

  it('asked no other host for anything, and threw no uncaught error', () => {
    expect(session.foreignRequests).toEqual([]);
    expect(session.pageErrors).toEqual([]);
  });
});

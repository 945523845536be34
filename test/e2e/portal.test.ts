/// <reference lib="dom" />
// Functions passed to page.evaluate run in the browser, hence the DOM types.
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { makeDamsonHome, type DamsonHome } from '../helpers/damson-home';
import { startDamson, type RunningDamson } from '../helpers/damson-process';
import { describeWithBrowser, launchChromium, portalServices, screenshotPath } from './browser';

jest.setTimeout(60_000);

/** Waits until a locator matches `n` elements (the page updates asynchronously). */
async function expectCount(locator: Locator, n: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let count = await locator.count();
  while (count !== n && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    count = await locator.count();
  }
  expect(count).toBe(n);
}

const FINISHED = /^(COMPLETED|FAILED|ERROR|INTERRUPTED|DELETED|REJECTED)$/;

describeWithBrowser('the portal in Chromium against damson start', () => {
  let home: DamsonHome;
  let damson: RunningDamson;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const foreignRequests: string[] = [];
  const submitted: string[] = [];
  let headJobId = '';

  beforeAll(async () => {
    home = await makeDamsonHome({}, portalServices());
    damson = await startDamson(home);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    // Everything must come from the portal's own host.
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.host === `127.0.0.1:${home.port}` || url.protocol === 'data:')
        return route.continue();
      foreignRequests.push(url.href);
      return route.abort();
    });
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await damson?.stop();
  });

  const jobIdFromUrl = (): string => decodeURIComponent(new URL(page.url()).hash.split('/')[2]);

  async function waitForState(state: RegExp, timeout = 20_000, on = page): Promise<string> {
    const badge = on.locator('.state-line [data-state]');
    await on.waitForFunction(
      (pattern) => {
        const el = document.querySelector('.state-line [data-state]');
        return el !== null && new RegExp(pattern).test(el.getAttribute('data-state') ?? '');
      },
      state.source,
      { timeout },
    );
    return (await badge.getAttribute('data-state')) ?? '';
  }

  it('shows the catalogue with versions, classifiers and health, filtered by search and tag', async () => {
    await page.goto(`${home.baseUrl}/`);
    await page.getByRole('heading', { level: 1, name: 'Services' }).waitFor();
    const cards = page.locator('.service-card');
    await expectCount(cards, 5);
    const head = cards.filter({ hasText: 'First lines' });
    await expect(head.locator('.meta').textContent()).resolves.toContain('Version 1.0');
    await expect(head.locator('.badge').textContent()).resolves.toContain('Not tested');

    await page.getByLabel('Search', { exact: true }).fill('word');
    await expectCount(cards, 1);
    await expect(cards.first().textContent()).resolves.toContain('Word formatter');
    await page.getByLabel('Search', { exact: true }).fill('');

    await page.getByLabel('Classifier', { exact: true }).selectOption('Topic=Testing');
    await expectCount(cards, 3);
    await expect(page.locator('.count').textContent()).resolves.toBe('3 of 5 services');
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

    await page.evaluate(
      () => ((window as unknown as { sameDocument: boolean }).sameDocument = true),
    );
    await page.getByRole('button', { name: 'Submit job' }).click();
    await page.waitForURL(/#\/jobs\/[A-Za-z0-9_-]+$/);
    headJobId = jobIdFromUrl();
    submitted.push(headJobId);
    await expect(waitForState(/^COMPLETED$/)).resolves.toBe('COMPLETED');
    // The state changed in this document: no reload happened.
    await expect(
      page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument),
    ).resolves.toBe(true);
    await expect(page.locator('.timing').textContent()).resolves.toMatch(/Duration\d+ s/);
    await expect(page.getByRole('button', { name: 'Cancel job' }).isHidden()).resolves.toBe(true);

    const stdout = page.locator('.output[data-path=stdout]');
    const preview = stdout.locator('pre.output-text');
    await preview.waitFor();
    await expect(preview.textContent()).resolves.toBe('one\ntwo\nthree\n');
    await page.screenshot({ path: screenshotPath('job-finished'), fullPage: true });

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
    submitted.push(jobIdFromUrl());
    await expect(waitForState(/^COMPLETED$/)).resolves.toBe('COMPLETED');
    const preview = page.locator('.output[data-path=stdout] pre.output-text');
    await preview.waitFor();
    await expect(preview.textContent()).resolves.toBe('one\ntwo\n');
  });

  it('validates like the server before sending, applies conditions live, and adds and removes array items', async () => {
    const posts: string[] = [];
    const onRequest = (r: { method(): string; url(): string }) => {
      if (r.method() === 'POST') posts.push(r.url());
    };
    page.on('request', onRequest);
    await page.goto(`${home.baseUrl}/#/services/words`);
    await page.getByRole('heading', { level: 1, name: 'Word formatter' }).waitFor();
    await page.screenshot({ path: screenshotPath('form-every-type'), fullPage: true });
    // Every control has an accessible name, and help text is tied to it.
    const unnamed = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLInputElement>('main input, main select, main button')]
        .filter(
          (el) => !(el.labels?.length || el.getAttribute('aria-label') || el.textContent?.trim()),
        )
        .map((el) => el.outerHTML),
    );
    expect(unnamed).toEqual([]);
    await expect(page.getByLabel('Repeat').getAttribute('aria-describedby')).resolves.toMatch(
      /help-repeat/,
    );

    const separator = page.getByLabel('Separator');
    await expect(separator.isDisabled()).resolves.toBe(true);
    await page.getByLabel('Number the lines').check();
    await expect(separator.isDisabled()).resolves.toBe(false);
    await page.getByLabel('Number the lines').uncheck();
    await expect(separator.isDisabled()).resolves.toBe(true);
    await page.getByLabel('Number the lines').check();

    await page.getByLabel('Repeat').fill('9');
    await page.getByRole('button', { name: 'Submit job' }).click();
    await expect(page.locator('[data-param=repeat] .error').textContent()).resolves.toBe(
      'Value must be less than or equal to 5',
    );
    await expect(page.locator('[data-param=words] .error').textContent()).resolves.toBe(
      'Field is required',
    );
    await expect(page.getByLabel('Repeat').getAttribute('aria-invalid')).resolves.toBe('true');
    expect(posts).toEqual([]);

    await page.getByLabel('Words 1', { exact: true }).fill('Hello');
    await page.getByRole('button', { name: 'Add Words' }).click();
    await page.getByLabel('Words 2', { exact: true }).fill('Unwanted');
    await page.getByRole('button', { name: 'Add Words' }).click();
    await page.getByLabel('Words 3', { exact: true }).fill('World');
    await page.getByRole('button', { name: 'Remove Words 2' }).click();
    await expect(page.getByLabel('Words 2', { exact: true }).inputValue()).resolves.toBe('World');
    await page.getByLabel('Repeat').fill('2');
    await separator.fill('toolong');
    await page.getByRole('button', { name: 'Submit job' }).click();
    await expect(page.locator('[data-param=separator] .error').textContent()).resolves.toBe(
      'Value is too long. Max 5 characters',
    );
    expect(posts).toEqual([]);
    await separator.fill(') ');
    await page.getByLabel('Letter case').selectOption('upper');
    await page.getByRole('button', { name: 'Submit job' }).click();
    await page.waitForURL(/#\/jobs\//);
    submitted.push(jobIdFromUrl());
    expect(posts).toHaveLength(1);
    page.off('request', onRequest);
    await expect(waitForState(/^COMPLETED$/)).resolves.toBe('COMPLETED');
    const words = page.locator('.output[data-path="words.txt"]');
    await words.locator('summary').click();
    await expect(words.locator('pre').textContent()).resolves.toBe(
      '1) HELLO\n2) HELLO\n3) WORLD\n4) WORLD\n',
    );

    // "Run again" opens the form filled with this job's values.
    await page.getByRole('link', { name: 'Run again with these values' }).click();
    await page.getByRole('heading', { level: 1, name: 'Word formatter' }).waitFor();
    await expect(page.getByLabel('Words 1', { exact: true }).inputValue()).resolves.toBe('Hello');
    await expect(page.getByLabel('Words 2', { exact: true }).inputValue()).resolves.toBe('World');
    await expect(page.getByLabel('Repeat').inputValue()).resolves.toBe('2');
    await expect(page.getByLabel('Letter case').inputValue()).resolves.toBe('upper');
    await expect(page.getByLabel('Number the lines').isChecked()).resolves.toBe(true);
    await expect(page.getByLabel('Separator').inputValue()).resolves.toBe(') ');
  });

  it('cancels a long job from its page', async () => {
    await page.goto(`${home.baseUrl}/#/services/sleep`);
    await page.getByLabel('Seconds').fill('120');
    await page.getByRole('button', { name: 'Submit job' }).click();
    await page.waitForURL(/#\/jobs\//);
    submitted.push(jobIdFromUrl());
    await waitForState(/^RUNNING$/);
    await page.getByRole('button', { name: 'Cancel job' }).click();
    const final = await waitForState(FINISHED);
    expect(['INTERRUPTED', 'DELETED']).toContain(final);
    await expect(page.getByRole('button', { name: 'Cancel job' }).isHidden()).resolves.toBe(true);
  });

  it('shows outputs with <script> and an HTML file as text, shows the image, and runs no script', async () => {
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${home.baseUrl}/#/services/report`);
    await page.getByRole('button', { name: 'Submit job' }).click();
    await page.waitForURL(/#\/jobs\//);
    submitted.push(jobIdFromUrl());
    await waitForState(/^COMPLETED$/);
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
    const id = jobIdFromUrl();
    submitted.push(id);
    await waitForState(/^COMPLETED$/);
    const events = await fetch(`${home.baseUrl}/api/jobs/${id}/events`);
    await events.body?.cancel();
    const mode = await page.locator('.mode').textContent();
    if (events.status === 404) expect(mode).toMatch(/checked every second|waiting for changes/);
    else expect(mode).toBe(' (live)');
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
      submitted.push(id);
      await other.evaluate(
        () => ((window as unknown as { sameDocument: boolean }).sameDocument = true),
      );
      await waitForState(/^COMPLETED$/, 20_000, other);
      await expect(
        other.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument),
      ).resolves.toBe(true);
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
    expect(await bars.count()).toBeGreaterThanOrEqual(4);
    const services = await bars.evaluateAll((rects) =>
      rects.map((r) => r.getAttribute('data-service')),
    );
    expect(services).toEqual(expect.arrayContaining(['head', 'words', 'sleep', 'report']));
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

  it('asked no other host for anything', () => {
    expect(foreignRequests).toEqual([]);
  });
});

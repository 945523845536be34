/// <reference lib="dom" />
// Functions passed to page.evaluate run in the browser, hence the DOM types.
import type { Page } from 'playwright-core';
import type { DamsonHome } from '../helpers/damson-home';
import { describeWithBrowser, screenshotPath } from './browser';
import {
  FINISHED,
  jobIdFromUrl as jobIdOf,
  usePortalSession,
  waitForState as stateOf,
} from './portal-session';

jest.setTimeout(60_000);

/**
 * The submission form in Chromium: checks as the server does before sending, conditions applied
 * while the user types, array items, and running a job again. The rest of the portal is in
 * portal.test.ts.
 */
describeWithBrowser('the portal form in Chromium against damson start', () => {
  const session = usePortalSession();
  let page: Page;
  let home: DamsonHome;
  // Registered after the session's own beforeAll, so its fields are set.
  beforeAll(() => {
    ({ page, home } = session);
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
    expect(posts).toHaveLength(1);
    page.off('request', onRequest);
    expect(await stateOf(page, FINISHED)).toBe('COMPLETED');
    const words = page.locator('.output[data-path="words.txt"]');
    await words.locator('summary').click();
    await expect(words.locator('pre').textContent()).resolves.toBe(
      '1) HELLO\n2) HELLO\n3) WORLD\n4) WORLD\n',
    );

    // The "Run again" button reruns it at once (POST /jobs/{id}/rerun) and opens the new job.
    const firstId = jobIdOf(page);
    await page.getByRole('button', { name: 'Run again', exact: true }).click();
    await page.waitForURL((url) => url.hash.startsWith('#/jobs/') && !url.hash.includes(firstId));
    const rerunId = jobIdOf(page);
    expect(await stateOf(page, FINISHED)).toBe('COMPLETED');
    const rerun = (await (await fetch(`${home.baseUrl}/api/jobs/${rerunId}`)).json()) as {
      rerunOf?: string;
      parameters: unknown;
    };
    expect(rerun.rerunOf).toBe(firstId);
    const first = (await (await fetch(`${home.baseUrl}/api/jobs/${firstId}`)).json()) as {
      parameters: unknown;
    };
    expect(rerun.parameters).toEqual(first.parameters);

    // "Run again with these values" opens the form filled with this job's values.
    await page.getByRole('link', { name: 'Run again with these values' }).click();
    await page.getByRole('heading', { level: 1, name: 'Word formatter' }).waitFor();
    await expect(page.getByLabel('Words 1', { exact: true }).inputValue()).resolves.toBe('Hello');
    await expect(page.getByLabel('Words 2', { exact: true }).inputValue()).resolves.toBe('World');
    await expect(page.getByLabel('Repeat').inputValue()).resolves.toBe('2');
    await expect(page.getByLabel('Letter case').inputValue()).resolves.toBe('upper');
    await expect(page.getByLabel('Number the lines').isChecked()).resolves.toBe(true);
    await expect(page.getByLabel('Separator').inputValue()).resolves.toBe(') ');
  });

  it('applies chained and self-referencing conditions live', async () => {
    await page.goto(`${home.baseUrl}/#/services/conditions`);
    await page.getByRole('heading', { level: 1, name: 'Condition showcase' }).waitFor();
    const iterations = page.getByLabel('Iterations');
    const level = page.getByLabel('Verbosity level');
    await expect(iterations.isDisabled()).resolves.toBe(true);
    await expect(level.isDisabled()).resolves.toBe(true);
    await page.getByLabel('Mode').selectOption('thorough');
    await expect(iterations.isDisabled()).resolves.toBe(false);
    await page.getByLabel('Verbose').check();
    await expect(level.isDisabled()).resolves.toBe(false);
    await iterations.fill('3');
    await expect(level.isDisabled()).resolves.toBe(true);
    // A condition on the field's own value leaves it editable and reports it instead.
    await page.getByLabel('Label').fill('bad');
    await page.getByLabel('Label').blur();
    await expect(page.locator('[data-param=label] .error').textContent()).resolves.toBe(
      'Additional condition not met',
    );
    await page.getByLabel('Label').fill('good');
    await page.getByRole('button', { name: 'Submit job' }).click();
    await page.waitForURL(/#\/jobs\//);
    expect(await stateOf(page, FINISHED)).toBe('COMPLETED');
    const log = page.locator('.output[data-path=stdout] pre');
    await log.waitFor();
    await expect(log.textContent()).resolves.toBe(
      '--thorough --iterations=3 --threshold=0.5 --label=good --verbose\n',
    );
  });

  it('asked no other host for anything, and threw no uncaught error', () => {
    expect(session.foreignRequests).toEqual([]);
    expect(session.pageErrors).toEqual([]);
  });
});

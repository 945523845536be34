/// <reference lib="dom" />
// Functions passed to page.evaluate run in the browser, hence the DOM types.
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { makeDamsonHome, type DamsonHome } from '../helpers/damson-home';
import { startDamson, type RunningDamson } from '../helpers/damson-process';
import { launchChromium, portalServices } from './browser';

export const FINISHED = /^(COMPLETED|FAILED|ERROR|INTERRUPTED|DELETED|REJECTED)$/;

export interface PortalSession {
  home: DamsonHome;
  context: BrowserContext;
  page: Page;
  /** Requests the pages made to any other host (they are refused). */
  foreignRequests: string[];
  /** Uncaught exceptions in any page of the context. */
  pageErrors: string[];
}

/**
 * One `damson start` on a temporary home with the portal's test services, and one Chromium, for
 * the whole file. Call inside a describe; the fields are filled in beforeAll.
 */
export function usePortalSession(): PortalSession {
  const session = { foreignRequests: [], pageErrors: [] } as unknown as PortalSession;
  let damson: RunningDamson | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    session.home = await makeDamsonHome({}, portalServices());
    damson = await startDamson(session.home);
    browser = await launchChromium();
    session.context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    // Everything must come from the portal's own host.
    await session.context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.host === `127.0.0.1:${session.home.port}` || url.protocol === 'data:')
        return route.continue();
      session.foreignRequests.push(url.href);
      return route.abort();
    });
    session.context.on('weberror', (e) => session.pageErrors.push(String(e.error())));
    session.page = await session.context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await damson?.stop();
  });
  return session;
}

export function jobIdFromUrl(page: Page): string {
  return decodeURIComponent(new URL(page.url()).hash.split('/')[2]);
}

/** Waits until the job page shows a state matching `state`, and returns the state. */
export async function waitForState(page: Page, state: RegExp, timeout = 20_000): Promise<string> {
  await page.waitForFunction(
    (pattern) => {
      const el = document.querySelector('.state-line [data-state]');
      return el !== null && new RegExp(pattern).test(el.getAttribute('data-state') ?? '');
    },
    state.source,
    { timeout },
  );
  return (await page.locator('.state-line [data-state]').getAttribute('data-state')) ?? '';
}

/** Waits until a locator matches `n` elements (the page updates asynchronously). */
export async function expectCount(locator: Locator, n: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let count = await locator.count();
  while (count !== n && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    count = await locator.count();
  }
  expect(count).toBe(n);
}

/** Marks the document; a reload would lose the mark. */
export async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
}

export function isSameDocument(page: Page): Promise<boolean | undefined> {
  return page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument);
}

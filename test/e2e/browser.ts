import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { EXAMPLE_SERVICES, REPO_ROOT } from '../helpers/damson-home';

/** Debian's package; `DAMSON_CHROMIUM` points elsewhere. Never a browser downloaded by a tool. */
const CANDIDATES = [process.env.DAMSON_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'];

export const CHROMIUM = CANDIDATES.find((p): p is string => Boolean(p && existsSync(p))) ?? null;

export const SCREENSHOTS = path.join(REPO_ROOT, 'artifacts/screenshots');

/**
 * `describe` when a browser is installed. Outside CI a missing browser skips the suite with a
 * message saying how to install one; in CI (`CI=true`) nothing may be skipped, so it fails.
 */
export function describeWithBrowser(name: string, body: () => void): void {
  if (CHROMIUM) {
    describe(name, body);
    return;
  }
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs Chromium', () => {
        throw new Error(
          'Chromium is not installed (expected /usr/bin/chromium): run scripts/ci-deps.sh',
        );
      });
    });
    return;
  }
  console.warn(
    `[e2e] skipping "${name}": Chromium not found. Install Debian's package ` +
      '(`apt-get install -y chromium`, or `scripts/chromium.sh install`) or set DAMSON_CHROMIUM.',
  );
  describe.skip(name, body);
}

/** Flags for a headless run on a closed network: no background traffic, no sandbox as root. */
export function launchChromium(): Promise<Browser> {
  if (!CHROMIUM) throw new Error('no Chromium');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A services directory with the example services and the portal's test services, laid out like
 * a project (scripts under services/scripts).
 */
export function portalServices(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'damson-portal-services-'));
  const fixtures = path.join(REPO_ROOT, 'test/fixtures/portal-services');
  for (const source of [EXAMPLE_SERVICES, fixtures]) {
    for (const name of readdirSync(source)) {
      if (name.endsWith('.service.yaml'))
        symlinkSync(path.join(source, name), path.join(dir, name));
    }
  }
  mkdirSync(path.join(dir, 'scripts'));
  const scripts = path.join(EXAMPLE_SERVICES, 'scripts');
  for (const name of readdirSync(scripts))
    symlinkSync(path.join(scripts, name), path.join(dir, 'scripts', name));
  return dir;
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return path.join(SCREENSHOTS, `${name}.png`);
}

import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { loadSettings } from '../../src/config/load-settings';
import { callbackProblem, hostAllowed } from '../../src/config/webhook-hosts';
import { webhookSignature } from '../../src/webhooks/webhook-signature';

function settingsFrom(yaml: string) {
  const home = mkdtempSync(path.join(tmpdir(), 'damson-webhook-settings-'));
  writeFileSync(path.join(home, 'settings.yaml'), `version: '0.8'\n${yaml}`);
  return { home, load: () => loadSettings({ DAMSON_HOME: home }) };
}

describe('callback URLs', () => {
  const allowed = ['hooks.example.org', '*.pipelines.example.net', '127.0.0.1'];

  it.each([
    ['https://hooks.example.org/in?token=x', null],
    ['http://127.0.0.1:9999/hook', null],
    ['https://ci.pipelines.example.net/hook', null],
    ['https://HOOKS.Example.ORG/in', null],
    ['https://pipelines.example.net/hook', /allowed-hosts/],
    ['https://evilpipelines.example.net/hook', /allowed-hosts/],
    ['https://hooks.example.org.evil.com/', /allowed-hosts/],
    ['http://localhost/hook', /allowed-hosts/],
    ['http://127.0.0.2/hook', /allowed-hosts/],
    ['http://[::1]/hook', /allowed-hosts/],
    // Other spellings of a listed address are judged as the address they are (what is connected to).
    ['http://2130706433/hook', null],
    ['http://0x7f.0.0.1/hook', null],
    ['http://10.0.0.1/hook', /allowed-hosts/],
    ['http://169.254.169.254/latest/meta-data/', /allowed-hosts/],
    ['https://user:pw@hooks.example.org/in', /user name or password/],
    ['https://user@hooks.example.org/in', /user name or password/],
    ['https://hooks.example.org/in#frag', /fragment/],
    ['ftp://hooks.example.org/in', /http or https/],
    ['file:///etc/passwd', /http or https/],
    ['javascript:alert(1)', /http or https/],
    ['//hooks.example.org/in', /absolute/],
    ['hooks.example.org', /absolute/],
    [`https://hooks.example.org/${'a'.repeat(3000)}`, /at most 2048/],
  ])('%s', (url, problem) => {
    const found = callbackProblem(url, allowed);
    if (problem === null) expect(found).toBeNull();
    else expect(found).toMatch(problem);
  });

  it('allows nothing with an empty allow-list', () => {
    expect(callbackProblem('http://127.0.0.1/hook', [])).toMatch(/allowed-hosts/);
  });

  it('refuses every spelling of loopback when it is not listed', () => {
    for (const url of [
      'http://2130706433/',
      'http://0x7f.0.0.1/',
      'http://127.1/',
      'http://[::1]/',
    ])
      expect(callbackProblem(url, ['hooks.example.org'])).toMatch(/allowed-hosts/);
  });

  it('never allows a host the list does not name, whatever the URL text', () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true }), fc.string(), (url, junk) => {
        for (const text of [url, `${url}${junk}`, `${junk}${url}`]) {
          if (callbackProblem(text, allowed) !== null) continue;
          const parsed = new URL(text);
          expect(['http:', 'https:']).toContain(parsed.protocol);
          expect(hostAllowed(parsed.hostname, allowed)).toBe(true);
          expect(parsed.username + parsed.password).toBe('');
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('Damson-Signature', () => {
  it('is t=<seconds>,v1=<hex HMAC-SHA256 of "t.body">, as docs/api.md tells receivers', () => {
    const body = '{"id":"abc","status":"COMPLETED"}';
    const header = webhookSignature('s3cret-s3cret-s3cret', 1700000000, body);
    const expected = createHmac('sha256', 's3cret-s3cret-s3cret')
      .update(`1700000000.${body}`)
      .digest('hex');
    expect(header).toBe(`t=1700000000,v1=${expected}`);
    expect(webhookSignature('s3cret-s3cret-s3cret', 1700000001, body)).not.toBe(header);
    expect(webhookSignature('s3cret-s3cret-s3cret', 1700000000, `${body} `)).not.toBe(header);
  });
});

describe('api.webhooks.* settings', () => {
  it('is off by default: no host allowed, no secret, 24 h of retries', () => {
    expect(settingsFrom('').load().webhooks).toEqual({
      allowedHosts: [],
      secret: null,
      requestTimeoutMs: 10_000,
      maxAgeMs: 86_400_000,
      retryBaseDelayMs: 5000,
      retryMaxDelayMs: 3_600_000,
      pollIntervalMs: 1000,
    });
  });

  it('reads the secret from a file, relative to the home', () => {
    const { home, load } = settingsFrom(
      "api.webhooks.secret-file: hook-secret\napi.webhooks.allowed-hosts: ['*.Example.org']\n",
    );
    writeFileSync(path.join(home, 'hook-secret'), 'a-long-enough-secret-value\nignored\n');
    expect(load().webhooks).toMatchObject({
      secret: 'a-long-enough-secret-value',
      allowedHosts: ['*.example.org'],
    });
  });

  it.each([
    ["api.webhooks.secret: 'short'", /api\.webhooks\.secret/],
    ['api.webhooks.secret-file: /nonexistent/secret', /api\.webhooks\.secret-file.*ENOENT/],
    ["api.webhooks.secret: 'a-long-enough-secret-value'\napi.webhooks.secret-file: x", /not both/],
    ["api.webhooks.allowed-hosts: ['http://x.org/']", /api\.webhooks\.allowed-hosts/],
    ['api.webhooks.max-age: 172800000', /api\.webhooks\.max-age/],
    ['api.webhooks.request-timeout: 0', /api\.webhooks\.request-timeout/],
  ])('refuses %s at load', (yaml, message) => {
    expect(() => settingsFrom(yaml).load()).toThrow(message);
  });
});

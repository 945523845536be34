import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadSettings } from '../../../src/config/load-settings';

function settingsFrom(yaml: string) {
  const home = mkdtempSync(path.join(tmpdir(), 'damson-api-settings-'));
  writeFileSync(path.join(home, 'settings.yaml'), `version: '0.8'\n${yaml}`);
  return () => loadSettings({ DAMSON_HOME: home });
}

describe('api.* settings', () => {
  it('has defaults that change nothing for slivka clients and keep job ids private', () => {
    const { api } = settingsFrom('')();
    expect(api).toEqual({
      watchIntervalMs: 200,
      rateLimit: { windowMs: 60000, requests: 0, submissions: 0 },
      tokens: [],
      tokenCacheMs: 10_000,
      requireToken: false,
      listJobs: 'token',
      serviceLimits: {},
      slivkaOnly: false,
      fileEvents: { maxPerJob: 64, maxTotal: 1024, pollIntervalMs: 500 },
      progressIntervalMs: 500,
      privateJobs: false,
      ownerLimits: { maxActive: 0, maxWaiting: 0 },
    });
  });

  it('reads api.token-cache in milliseconds, 0 to 5 minutes', () => {
    expect(settingsFrom('api.token-cache: 0')().api.tokenCacheMs).toBe(0);
    expect(settingsFrom('api.token-cache: 2500')().api.tokenCacheMs).toBe(2500);
    expect(() => settingsFrom('api.token-cache: -1')()).toThrow(/token-cache/);
    expect(() => settingsFrom('api.token-cache: 300001')()).toThrow(/token-cache/);
  });

  it('refuses a settings token longer than a client may present (1024 characters)', () => {
    const long = 'x'.repeat(1025);
    expect(() => settingsFrom(`api.tokens: [{ name: a, token: ${long} }]`)()).toThrow(/token/);
  });

  it('reads api.slivka-only, the test switch that hides Damson-only routes', () => {
    expect(settingsFrom('api.slivka-only: true')().api.slivkaOnly).toBe(true);
    expect(() => settingsFrom("api.slivka-only: 'yes please'")()).toThrow(/slivka-only/);
  });

  it('reads nested and dotted keys, tokens and per-service limits', () => {
    const { api } = settingsFrom(
      [
        'api:',
        '  rate-limit: { submissions: 20 }',
        '  tokens: [{ name: ci, token: 0123456789abcdef0123, submissions: 500, scopes: [priority] }]',
        'api.service-limits.my.tool.max-file-size: 1024',
        'api.service-limits.Head.max-files: 1',
      ].join('\n'),
    )();
    expect(api.rateLimit.submissions).toBe(20);
    expect(api.tokens).toEqual([
      { name: 'ci', token: '0123456789abcdef0123', submissions: 500, scopes: ['priority'] },
    ]);
    expect(api.serviceLimits).toEqual({ 'my.tool': { maxFileBytes: 1024 }, head: { maxFiles: 1 } });
  });

  it.each([
    ['api.tokens: [{ name: ci, token: short }]', /api\.tokens/],
    ['api.rate-limit.submissions: -1', /api\.rate-limit\.submissions/],
    ['api.service-limits.head.max-size: 5', /api\.service-limits\.head\.max-size/],
    ['api.watch-interval: 1', /api\.watch-interval/],
    ['api.tokens: [{ name: ci, token: 0123456789abcdef0123, scopes: [root] }]', /api\.tokens/],
  ])('refuses %s, naming the key', (yaml, key) => {
    expect(settingsFrom(yaml)).toThrow(key);
  });
});

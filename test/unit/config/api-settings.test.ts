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
      requireToken: false,
      listJobs: 'token',
      serviceLimits: {},
      slivkaOnly: false,
      fileEvents: { maxPerJob: 64, maxTotal: 1024, pollIntervalMs: 500 },
      progressIntervalMs: 500,
    });
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

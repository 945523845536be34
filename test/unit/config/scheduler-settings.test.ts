import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadSettings } from '../../../src/config/load-settings';

function settingsFrom(yaml: string) {
  const home = mkdtempSync(path.join(tmpdir(), 'damson-scheduler-settings-'));
  writeFileSync(path.join(home, 'settings.yaml'), `version: '0.8'\n${yaml}`);
  return loadSettings({ DAMSON_HOME: home });
}

describe('scheduler.timeout: the default run time limit', () => {
  it('is 24 hours when unset, so no job runs forever by default', () => {
    expect(settingsFrom('').scheduler.timeoutSeconds).toBe(86_400);
  });

  it('takes an admin’s value, and 0 turns the limit off', () => {
    expect(settingsFrom('scheduler.timeout: 3600').scheduler.timeoutSeconds).toBe(3600);
    expect(settingsFrom('scheduler:\n  timeout: 0').scheduler.timeoutSeconds).toBeNull();
  });

  it.each(['-1', '1.5', 'forever'])('refuses %s', (value) => {
    expect(() => settingsFrom(`scheduler.timeout: ${value}`)).toThrow(/scheduler\.timeout/);
  });
});

describe('local-agent.output-quota', () => {
  it('is 1 GiB when unset', () => {
    expect(settingsFrom('').localAgent.outputQuotaBytes).toBe(1024 * 1024 * 1024);
  });
});

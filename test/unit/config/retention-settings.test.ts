import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadSettings } from '../../../src/config/load-settings';
import { jobExpiresAt, jobRetentionMs } from '../../../src/config/retention-policy';

function settingsFrom(yaml: string) {
  const home = mkdtempSync(path.join(tmpdir(), 'damson-retention-settings-'));
  writeFileSync(path.join(home, 'settings.yaml'), `version: '0.8'\n${yaml}`);
  return () => loadSettings({ DAMSON_HOME: home });
}

const DAY_MS = 86_400_000;

describe('retention settings', () => {
  it('defaults: a 100 MiB disk floor, 30 days of tombstones, no per-service retention', () => {
    const { retention } = settingsFrom('')();
    expect(retention.minFreeDisk).toEqual({ kind: 'bytes', bytes: 100 * 1024 * 1024 });
    expect(retention.tombstoneDays).toBe(30);
    expect(retention.byServiceDays.size).toBe(0);
  });

  it('reads the floor in bytes, units or percent, and 0 as off', () => {
    const floor = (value: string) => settingsFrom(`store.min-free-disk: ${value}`)().retention;
    expect(floor('1GiB').minFreeDisk).toEqual({ kind: 'bytes', bytes: 1024 ** 3 });
    expect(floor('500MB').minFreeDisk).toEqual({ kind: 'bytes', bytes: 500_000_000 });
    expect(floor('5%').minFreeDisk).toEqual({ kind: 'percent', percent: 5 });
    expect(floor('2048').minFreeDisk).toEqual({ kind: 'bytes', bytes: 2048 });
    expect(floor('0').minFreeDisk).toBeNull();
  });

  it.each(['lots', '-1', '5 %%', '100%', '1 GiB extra', '1.5'])('refuses floor %s', (value) => {
    expect(settingsFrom(`store.min-free-disk: '${value}'`)).toThrow(/store\.min-free-disk/);
  });

  it('reads per-service retention, nested or dotted, and prefers it to the global one', () => {
    const { retention } = settingsFrom(
      [
        'store:',
        '  retention-days: 10',
        '  retention-days-by-service: { blast: 30 }',
        'store.retention-days-by-service.head: 0.5',
      ].join('\n'),
    )();
    expect(jobRetentionMs(retention, 'blast')).toBe(30 * DAY_MS);
    expect(jobRetentionMs(retention, 'head')).toBe(0.5 * DAY_MS);
    expect(jobRetentionMs(retention, 'other')).toBe(10 * DAY_MS);
    const completedAt = new Date('2026-01-01T00:00:00Z');
    expect(jobExpiresAt(retention, { service: 'blast', completedAt })).toEqual(
      new Date(completedAt.getTime() + 30 * DAY_MS),
    );
    expect(jobExpiresAt(retention, { service: 'blast', completedAt: null })).toBeNull();
  });

  it('refuses a non-positive per-service retention and a bad service id', () => {
    expect(settingsFrom('store.retention-days-by-service.blast: 0')).toThrow();
    expect(settingsFrom("store.retention-days-by-service.blast: 'soon'")).toThrow();
    expect(settingsFrom('store.retention-days-by-service.a/b: 1')).toThrow(/unknown setting/);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadSettings } from '../../../src/config/load-settings';
import { parseListenAddress } from '../../../src/config/metrics-settings';

function settingsFrom(yaml: string) {
  const home = mkdtempSync(path.join(tmpdir(), 'damson-metrics-settings-'));
  writeFileSync(path.join(home, 'settings.yaml'), `version: '0.8'\n${yaml}`);
  return () => loadSettings({ DAMSON_HOME: home });
}

describe('metrics settings', () => {
  it('defaults: server metrics for local clients, the scheduler on 4044, agents off, 5 s counts', () => {
    const { metrics } = settingsFrom('')();
    expect(metrics).toEqual({
      server: 'local',
      schedulerAddress: { host: '127.0.0.1', port: 4044 },
      agentAddress: null,
      jobCountsIntervalMs: 5000,
    });
  });

  it('reads every key, nested or dotted, and off', () => {
    const { metrics } = settingsFrom(
      [
        'metrics:',
        '  server: any',
        '  scheduler-address: "off"',
        '  agent-address: 0.0.0.0:9101',
        'metrics.job-counts-interval: 15000',
      ].join('\n'),
    )();
    expect(metrics).toEqual({
      server: 'any',
      schedulerAddress: null,
      agentAddress: { host: '0.0.0.0', port: 9101 },
      jobCountsIntervalMs: 15000,
    });
  });

  it('takes an unquoted off (YAML false) as off', () => {
    const { metrics } = settingsFrom(
      'metrics.server: off\nmetrics.scheduler-address: off\nmetrics.agent-address: off',
    )();
    expect(metrics.server).toBe('off');
    expect(metrics.schedulerAddress).toBeNull();
    expect(metrics.agentAddress).toBeNull();
  });

  it.each([
    ['metrics.server: public', /metrics\.server/],
    ['metrics.scheduler-address: 4044', /metrics\.scheduler-address/],
    ['metrics.scheduler-address: "host:70000"', /metrics\.scheduler-address.*1-65535/],
    ['metrics.agent-address: "host:0"', /metrics\.agent-address/],
    ['metrics.agent-address: "a b:1"', /metrics\.agent-address/],
    ['metrics.job-counts-interval: 10', /metrics\.job-counts-interval/],
    ['metrics.scheduler-address: on', /metrics\.scheduler-address/],
    ['metrics.scrape: 1', /unknown setting 'metrics\.scrape'/],
  ])('refuses %s, naming the key', (yaml, message) => {
    expect(settingsFrom(yaml)).toThrow(message);
  });

  it('parses --metrics-address as the settings do', () => {
    expect(parseListenAddress('127.0.0.1:9100', 'x', '--metrics-address')).toEqual({
      host: '127.0.0.1',
      port: 9100,
    });
    expect(parseListenAddress('off', 'x', '--metrics-address')).toBeNull();
    expect(() => parseListenAddress(':9100', 'x', '--metrics-address')).toThrow(
      /--metrics-address/,
    );
    expect(() => parseListenAddress('h:99999', 'x', '--metrics-address')).toThrow(/1-65535/);
  });
});

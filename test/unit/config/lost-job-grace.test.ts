import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadSettings } from '../../../src/config/load-settings';

describe('scheduler.lost-job-grace', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(path.join(tmpdir(), 'damson-grace-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));
  const load = (yaml: string) => {
    writeFileSync(path.join(home, 'settings.yaml'), `version: '0.8'\n${yaml}`);
    return loadSettings({ DAMSON_HOME: home }).scheduler.lostJobGraceMs;
  };

  it('defaults to seconds for local agents and hours for cluster engines', () => {
    expect(load('')).toEqual({ local: 5000, slurm: 21_600_000, gridengine: 21_600_000 });
  });

  it('takes an integer as the local grace (cluster engines keep theirs) or a map per kind', () => {
    expect(load('scheduler.lost-job-grace: 2000\n')).toEqual({
      local: 2000,
      slurm: 21_600_000,
      gridengine: 21_600_000,
    });
    expect(load('scheduler:\n  lost-job-grace:\n    slurm: 600000\n    local: 1000\n')).toEqual({
      local: 1000,
      slurm: 600_000,
      gridengine: 21_600_000,
    });
    expect(() => load('scheduler:\n  lost-job-grace:\n    lsf: 1\n')).toThrow(
      /unknown setting 'scheduler\.lost-job-grace\.lsf'/,
    );
  });
});

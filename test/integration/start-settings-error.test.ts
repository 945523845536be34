import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DAMSON_BIN } from '../helpers/damson-process';

/** `damson start` reads its settings in a short-lived child: its error is still the command's. */
describe('damson start with broken settings', () => {
  it("exits 2 with the settings error's file and key, starting nothing", () => {
    const home = mkdtempSync(path.join(tmpdir(), 'damson-plan-'));
    try {
      writeFileSync(
        path.join(home, 'settings.yaml'),
        "version: '0.8'\nsupervisor.processes: threads\n",
      );
      const run = spawnSync(process.execPath, [DAMSON_BIN, 'start'], {
        env: { ...process.env, DAMSON_HOME: home, SLIVKA_HOME: '' },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(run.status).toBe(2);
      expect(run.stderr).toContain('settings.yaml');
      expect(run.stderr).toContain('supervisor.processes');
      expect(run.stdout).not.toContain('damson started');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

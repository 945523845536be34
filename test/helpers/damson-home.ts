import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './free-port';

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const EXAMPLE_SERVICES = path.join(REPO_ROOT, 'services');

export interface DamsonHome {
  home: string;
  port: number;
  baseUrl: string;
}

/** A temporary project home with its own settings, free ports and (by default) the example services. */
export async function makeDamsonHome(
  extra: Record<string, unknown> = {},
  services = EXAMPLE_SERVICES,
): Promise<DamsonHome> {
  const home = mkdtempSync(path.join(tmpdir(), 'damson-test-'));
  const [port, agents, wake, changes] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  // Like a real project: the services (and the scripts they run) sit under the home.
  symlinkSync(services, path.join(home, 'services'));
  const settings: Record<string, unknown> = {
    version: '0.8',
    'directory.services': './services',
    'server.host': `127.0.0.1:${port}`,
    'local-queue.host': `tcp://127.0.0.1:${agents}`,
    'scheduler.wake-address': `tcp://127.0.0.1:${wake}`,
    'scheduler.changes-address': `tcp://127.0.0.1:${changes}`,
    'scheduler.heartbeat-interval': 200,
    'log.level': 'warn',
    ...extra,
  };
  writeFileSync(
    path.join(home, 'settings.yaml'),
    Object.entries(settings)
      .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
      .join('\n') + '\n',
  );
  return { home, port, baseUrl: `http://127.0.0.1:${port}` };
}

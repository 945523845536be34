import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { findSettingsFile, loadSettings } from '../config/load-settings';
import { DamsonError } from '../errors';
import { EXAMPLE_SERVICE_FILE, exampleServiceYaml, settingsYaml } from './home-templates';
import { renderNginxConf } from './nginx-conf';
import { systemdUnits } from './systemd-units';

export interface InitOptions {
  /** `server.prefix`: empty, or a path such as `/damson`. */
  prefix: string;
  /** The server's port, in settings.yaml and nginx.conf's upstream. */
  port: number;
  /** nginx's `listen` value for the generated nginx.conf. */
  nginxListen: string;
  /** The account that will run Damson (and nginx's workers). */
  user: string;
  nodePath: string;
  damsonScript: string;
}

/** A prefix is a URL path of plain segments: `/damson`, `/tools/damson`; no `..`, no encoding. */
export function checkPrefix(prefix: string): string {
  const trimmed = prefix.replace(/\/+$/, '');
  if (trimmed !== '' && !/^(\/[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}){1,8}$/.test(trimmed)) {
    throw new DamsonError(
      'init_bad_prefix',
      `--prefix ${JSON.stringify(prefix)}: expected a path such as /damson (letters, digits, ` +
        '_ . - in each segment)',
    );
  }
  return trimmed;
}

const UNIT_NAMES = [
  'damson-server@.service',
  'damson-scheduler.service',
  'damson-agent-local.service',
  'damson-agent-slurm.service',
  'damson-agent-gridengine.service',
];

/** Every file `damson init` writes, relative to the home. */
export const INIT_FILES = [
  'settings.yaml',
  path.join('services', EXAMPLE_SERVICE_FILE),
  'nginx.conf',
  ...UNIT_NAMES.map((name) => path.join('systemd', name)),
];

function refuseExisting(home: string): void {
  const settings = findSettingsFile(home);
  if (settings) {
    throw new DamsonError(
      'init_exists',
      `${settings} already exists: ${home} is a project home already; nothing was written`,
    );
  }
  for (const name of INIT_FILES) {
    const file = path.join(home, name);
    if (existsSync(file)) {
      throw new DamsonError('init_exists', `${file} already exists; nothing was written`);
    }
  }
}

/** `wx`: fails rather than replace a file that appeared since the check. */
function writeNew(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    writeFileSync(file, text, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      throw new DamsonError('init_exists', `${file} already exists; left as it was`);
    throw error;
  }
}

/**
 * A new project home in `directory` (created if absent): settings, an example service, nginx.conf
 * and systemd units for this home. Refuses, before writing anything, if any of them exists.
 * Returns the files written, absolute.
 */
export function initHome(directory: string, options: InitOptions): string[] {
  const home = path.resolve(directory);
  const prefix = checkPrefix(options.prefix);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  refuseExisting(home);
  const written: string[] = [];
  const write = (name: string, text: string): void => {
    const file = path.join(home, name);
    writeNew(file, text);
    written.push(file);
  };
  write('settings.yaml', settingsYaml({ prefix, port: options.port }));
  write(path.join('services', EXAMPLE_SERVICE_FILE), exampleServiceYaml);
  // Rendered from the settings as loaded, so nginx.conf and the units say what Damson will do.
  const settings = loadSettings({ DAMSON_HOME: home });
  write(
    'nginx.conf',
    renderNginxConf(settings, { listen: options.nginxListen, user: options.user }),
  );
  for (const [name, text] of systemdUnits(settings, options))
    write(path.join('systemd', name), text);
  // nginx -p <home>/nginx/ keeps its logs and temporary files here.
  for (const sub of ['logs', 'tmp'])
    mkdirSync(path.join(home, 'nginx', sub), { recursive: true, mode: 0o700 });
  return written;
}

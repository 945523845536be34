import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Settings } from '../config/settings';
import { DamsonError } from '../errors';
import { packageRoot } from '../lifecycle/package-root';

/** The template every rendered nginx.conf comes from (the tests render it too). */
export const NGINX_TEMPLATE = path.join(packageRoot(), 'config/nginx.conf.example');

// nginx splits directives on whitespace, `;`, braces and quotes: a value holding any of them
// would end one directive and start another, so only plain path characters are written.
const PLAIN = /^[A-Za-z0-9_.\-/@+:[\]]+$/;

function plain(what: string, value: string): string {
  if (!PLAIN.test(value)) {
    throw new DamsonError(
      'init_unsafe_value',
      `${what} (${JSON.stringify(value)}) has characters nginx.conf cannot hold unquoted; use ` +
        'letters, digits and _ . - / @ + : only',
    );
  }
  return value;
}

/** A wildcard listen address is not an address to connect to: the proxy uses loopback. */
export function upstreamAddress(settings: Settings): string {
  const { host, port } = settings.server;
  const connectTo =
    host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '[::1]' : host;
  return `${connectTo}:${port}`;
}

export interface NginxOptions {
  /** nginx's `listen` value: `80`, `0.0.0.0:8080`, `127.0.0.1:8080`. */
  listen: string;
  /** The account that runs Damson; nginx's workers must run as it to read the job directories. */
  user: string;
  /** More Damson servers, `host:port`, after the one in the settings. */
  moreServers?: string[];
}

/**
 * nginx.conf for one project home: outputs and uploads from disk at `server.prefix` +
 * `server.jobs-path` / `server.uploads-path`, everything else proxied to the Damson servers.
 */
export function renderNginxConf(settings: Settings, options: NginxOptions): string {
  const { prefix, jobsPath, uploadsPath } = settings.server;
  const servers = [upstreamAddress(settings), ...(options.moreServers ?? [])].map((server) =>
    plain('an upstream server', server),
  );
  const values: Record<string, string> = {
    USER: plain('the user', options.user),
    LISTEN: plain('the listen address', options.listen),
    UPSTREAM: servers.join(';\n    server '),
    JOBS_DIR: `${plain('directory.jobs', settings.directories.jobs)}/`,
    UPLOADS_DIR: `${plain('directory.uploads', settings.directories.uploads)}/`,
    JOBS_PATH: plain('server.jobs-path', `${prefix}${jobsPath}`),
    UPLOADS_PATH: plain('server.uploads-path', `${prefix}${uploadsPath}`),
  };
  const template = readFileSync(NGINX_TEMPLATE, 'utf8');
  const header =
    `# nginx for the Damson home ${settings.home}, rendered from its settings by Damson.\n` +
    `# Run: nginx -p ${settings.home}/nginx/ -c ${settings.home}/nginx.conf (logs land there).\n`;
  return (
    header +
    template
      // The template's own header explains the placeholders, which are filled in here.
      .replace(/^(#.*\n)+\n/, '')
      .replace(/@([A-Z_]+)@/g, (_m, key: string) => {
        const value = values[key];
        if (value === undefined) throw new Error(`nginx template: unknown placeholder ${key}`);
        return value;
      })
  );
}

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { usageError } from './exit-codes';

export interface Connection {
  url: string;
  token?: string;
  /** Where the URL came from, for error messages. */
  source: string;
}

const MAX_CONFIG_BYTES = 64 * 1024;

/** `$XDG_CONFIG_HOME/damson/client.yaml`, else `~/.config/damson/client.yaml`. */
export function configFile(env: NodeJS.ProcessEnv): string {
  const root =
    env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME)
      ? env.XDG_CONFIG_HOME
      : path.join(os.homedir(), '.config');
  return path.join(root, 'damson', 'client.yaml');
}

/** Reads at most `max` bytes of a file and its mode, through one descriptor. */
function readSmall(file: string, max: number): { text: string; mode: number } | null {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw usageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw usageError(`${file} is not a regular file`);
    if (stat.size > max) throw usageError(`${file} is over ${max} bytes`);
    const buffer = Buffer.alloc(stat.size);
    const read = readSync(fd, buffer, 0, stat.size, 0);
    return { text: buffer.subarray(0, read).toString('utf8'), mode: stat.mode };
  } finally {
    closeSync(fd);
  }
}

interface Profile {
  url?: string;
  token?: string;
}

/**
 * The profiles file:
 *
 * ```yaml
 * default: work
 * profiles:
 *   work: { url: https://damson.example.org/, token: ... }
 * ```
 *
 * A file that holds a token must not be readable by group or others (like ssh's keys): it is
 * refused, not just warned about, since the token may already be exposed and the fix is one
 * `chmod 600`.
 */
function readProfiles(file: string): { profiles: Map<string, Profile>; defaultName?: string } {
  const read = readSmall(file, MAX_CONFIG_BYTES);
  const profiles = new Map<string, Profile>();
  if (!read) return { profiles };
  let doc: unknown;
  try {
    doc = parse(read.text, { maxAliasCount: 10 });
  } catch (error) {
    throw usageError(`${file}: not valid YAML (${(error as Error).message.split('\n')[0]})`);
  }
  if (doc === null || doc === undefined) return { profiles };
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw usageError(`${file}: expected a mapping`);
  const top = doc as Record<string, unknown>;
  const raw = top.profiles ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw usageError(`${file}: 'profiles' must be a mapping of names to {url, token}`);
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value !== 'object' || value === null)
      throw usageError(`${file}: profile '${name}' must be a mapping {url, token}`);
    const { url, token } = value as Record<string, unknown>;
    if (url !== undefined && typeof url !== 'string')
      throw usageError(`${file}: profiles.${name}.url must be a string`);
    if (token !== undefined && typeof token !== 'string')
      throw usageError(`${file}: profiles.${name}.token must be a string`);
    profiles.set(name, { url, token });
  }
  const hasToken = [...profiles.values()].some((p) => p.token);
  if (hasToken && (read.mode & 0o077) !== 0) {
    throw usageError(
      `${file} holds a token but other users can read it (mode ${(read.mode & 0o777).toString(8)}); run: chmod 600 ${file}`,
    );
  }
  const defaultName = typeof top.default === 'string' ? top.default : undefined;
  return { profiles, defaultName };
}

/**
 * The server and token: `--url`, else `DAMSON_URL`, else the profile (`--profile`, else
 * `DAMSON_PROFILE`, else the file's `default`). The token comes from `DAMSON_TOKEN`, else the
 * profile (never from the command line, where other users could read it in `ps`).
 */
export function resolveConnection(
  options: { url?: string; profile?: string },
  env: NodeJS.ProcessEnv,
): Connection {
  const file = configFile(env);
  const { profiles, defaultName } = readProfiles(file);
  const name = options.profile ?? env.DAMSON_PROFILE ?? defaultName;
  const profile = name === undefined ? undefined : profiles.get(name);
  if (name !== undefined && !profile && (options.profile ?? env.DAMSON_PROFILE))
    throw usageError(`no profile '${name}' in ${file}`);
  const token = env.DAMSON_TOKEN || profile?.token;
  if (options.url) return { url: options.url, token, source: '--url' };
  if (env.DAMSON_URL) return { url: env.DAMSON_URL, token, source: 'DAMSON_URL' };
  if (profile?.url) return { url: profile.url, token, source: `profile '${name}'` };
  throw usageError(
    `no server: give --url, set DAMSON_URL, or add a profile to ${file} (see docs/cli.md)`,
  );
}

import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { curveKeyPair, Router } from 'zeromq';
import { ConfigError, DamsonError } from '../errors';
import type { Logger } from '../lifecycle/logger';
import { z85Decode } from './z85';

export interface KeyPair {
  publicKey: string;
  secretKey: string;
}

/** `curve` (the default): authenticated on every address. `none`: open, for development only. */
export type LinkSecurityMode = 'curve' | 'none';

/**
 * CURVE settings for the scheduler's ROUTER (server side) or an agent's DEALER (client side). The
 * allow-list is a file, read again at every handshake, so adding or removing an agent's key takes
 * effect without a restart.
 */
export type ServerSecurity =
  { kind: 'open' } | { kind: 'curve'; keys: KeyPair; allowListFile: string };
export type ClientSecurity = { kind: 'open' } | { kind: 'curve'; keys: KeyPair; serverKey: string };

export const KEY_FILES = {
  schedulerKey: 'scheduler.key',
  schedulerPublic: 'scheduler.pub',
  agentKey: 'agent.key',
  authorizedAgents: 'authorized-agents',
} as const;

const ALLOW_LIST_HEADER = '# public keys of the agents allowed to connect, one per line\n';

/** Loopback TCP and ipc/inproc stay on this machine: both ends can share one keys directory. */
export function isLocalAddress(address: string): boolean {
  if (/^(ipc|inproc):\/\//.test(address)) return true;
  const match = /^tcp:\/\/(.+):(\d+|\*)$/.exec(address);
  if (!match) return false;
  const host = match[1].replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

function parseKeyPair(file: string, text: string): KeyPair {
  const lines = new Map(
    text
      .split('\n')
      .map((line) => /^(public|secret)\s*=\s*(\S{40})\s*$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1], m[2]]),
  );
  const publicKey = lines.get('public');
  const secretKey = lines.get('secret');
  if (!publicKey || !secretKey) {
    throw new ConfigError(
      file,
      '',
      'expected lines `public = <40 chars>` and `secret = <40 chars>`',
    );
  }
  return { publicKey, secretKey };
}

/**
 * The text of a key file, refused when it is missing or when other accounts have any of the
 * `looseBits` of its mode (read for a secret, write for an allow-list).
 */
function readPrivateFile(
  file: string,
  missing: string,
  looseBits: number,
  tooLoose: (mode: string) => string,
): string {
  if (!existsSync(file)) throw new ConfigError(file, '', missing);
  const mode = statSync(file).mode & 0o777;
  if (mode & looseBits) throw new ConfigError(file, '', tooLoose(`0${mode.toString(8)}`));
  return readFileSync(file, 'utf8');
}

/** A secret key other accounts can read may be known to them: refused, never used. */
function readKeyPair(file: string): KeyPair {
  const text = readPrivateFile(
    file,
    'missing CURVE key file (create the keys with `damson keys`)',
    0o077,
    (mode) =>
      `secret key file has mode ${mode}: other accounts may have read it; ` +
      'chmod 600 it if they cannot have, or delete it and create a new key',
  );
  return parseKeyPair(file, text);
}

function readPublicKeys(file: string): string[] {
  const keys = readPrivateFile(
    file,
    'missing allow-list of agent public keys (`damson keys`)',
    0o022,
    (mode) => `mode ${mode} lets other accounts change it; chmod 600 it`,
  )
    .split('\n')
    .map((line) => line.trim())
    // Z85 keys may contain '#': only whole lines are comments.
    .filter((line) => line && !line.startsWith('#'));
  keys.forEach((key, i) => {
    if (key.length !== 40) throw new ConfigError(file, String(i + 1), 'a key has 40 characters');
  });
  if (!keys.length) throw new ConfigError(file, '', 'the list of keys is empty');
  return keys;
}

/**
 * The keys directory is this account's alone (0700). One we own but others can enter is closed
 * (an earlier release created it under the umask); one another account owns is refused.
 */
function privateDirectory(directory: string): void {
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const stat = statSync(directory);
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) {
    throw new ConfigError(
      directory,
      '',
      'the keys directory belongs to another account; use a directory of this account',
    );
  }
  if (stat.mode & 0o077) chmodSync(directory, 0o700);
}

/**
 * Creates `file` with `content` unless it exists, atomically: a process that starts at the same
 * moment (the scheduler and the local agent do) either wins or reads the complete winner.
 */
function createOnce(file: string, content: string): boolean {
  // Checked first so a complete, read-only keys directory (made by an operator) is never written.
  if (existsSync(file)) return false;
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temporary, content, { mode: 0o600, flag: 'wx' });
  try {
    chmodSync(temporary, 0o600);
    linkSync(temporary, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temporary);
  }
}

const keyPairText = (pair: KeyPair): string =>
  `public = ${pair.publicKey}\nsecret = ${pair.secretKey}\n`;

/**
 * First run on one host: the scheduler's pair, its public key for agents, the local agent's pair
 * and an allow-list holding that agent. Whatever exists is kept. Returns the files it created.
 */
export function ensureLocalKeys(keysDirectory: string): string[] {
  privateDirectory(keysDirectory);
  const at = (name: string): string => path.join(keysDirectory, name);
  const created: string[] = [];
  const create = (name: string, content: string): boolean => {
    const made = createOnce(at(name), content);
    if (made) created.push(at(name));
    return made;
  };
  create(KEY_FILES.schedulerKey, keyPairText(curveKeyPair()));
  const scheduler = parseKeyPair(
    at(KEY_FILES.schedulerKey),
    readFileSync(at(KEY_FILES.schedulerKey), 'utf8'),
  );
  create(KEY_FILES.schedulerPublic, `${scheduler.publicKey}\n`);
  const agentCreated = create(KEY_FILES.agentKey, keyPairText(curveKeyPair()));
  const agent = parseKeyPair(at(KEY_FILES.agentKey), readFileSync(at(KEY_FILES.agentKey), 'utf8'));
  const listed = create(KEY_FILES.authorizedAgents, `${ALLOW_LIST_HEADER}${agent.publicKey}\n`);
  // An operator's existing list (remote agents) gains the new local agent; nothing else is added.
  if (agentCreated && !listed) {
    const list = readFileSync(at(KEY_FILES.authorizedAgents), 'utf8');
    if (!list.split('\n').includes(agent.publicKey))
      appendFileSync(at(KEY_FILES.authorizedAgents), `${agent.publicKey}\n`);
  }
  return created;
}

/**
 * The scheduler's side. CURVE unless `mode` is `none`. On a local address the keys are created on
 * first run; elsewhere they must exist (`damson keys`), so a typo never opens the link.
 */
export function serverSecurity(
  address: string,
  keysDirectory: string,
  mode: LinkSecurityMode = 'curve',
): ServerSecurity {
  if (mode === 'none') return { kind: 'open' };
  if (isLocalAddress(address)) ensureLocalKeys(keysDirectory);
  else privateDirectory(keysDirectory);
  const keys = readKeyPair(path.join(keysDirectory, KEY_FILES.schedulerKey));
  const allowListFile = path.join(keysDirectory, KEY_FILES.authorizedAgents);
  readPublicKeys(allowListFile);
  return { kind: 'curve', keys, allowListFile };
}

/** An agent's side: its own pair, and the scheduler's public key pinned (no other server is). */
export function clientSecurity(
  address: string,
  keysDirectory: string,
  mode: LinkSecurityMode = 'curve',
): ClientSecurity {
  if (mode === 'none') return { kind: 'open' };
  if (isLocalAddress(address)) ensureLocalKeys(keysDirectory);
  const serverFile = path.join(keysDirectory, KEY_FILES.schedulerPublic);
  if (!existsSync(serverFile))
    throw new ConfigError(serverFile, '', "missing the scheduler's public key (`damson keys`)");
  const [serverKey] = readPublicKeys(serverFile);
  return {
    kind: 'curve',
    keys: readKeyPair(path.join(keysDirectory, KEY_FILES.agentKey)),
    serverKey,
  };
}

const ZAP_ADDRESS = 'inproc://zeromq.zap.01';
const ZAP_LOG_INTERVAL_MS = 10_000;

/** The allow-list as raw keys, or why it cannot be read (then no one is allowed: fail closed). */
function allowedKeys(file: string): Set<string> | string {
  try {
    return new Set(readPublicKeys(file).map((key) => z85Decode(key).toString('hex')));
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Logs a line at most once per interval, with how many times it happened: a stranger retrying
 * (libzmq reconnects every 100 ms, or many connections at once) must not flood the log.
 */
function throttled(log: Logger): (message: string, fields: Record<string, unknown>) => void {
  const last = new Map<string, { at: number; count: number }>();
  return (message, fields) => {
    const entry = last.get(message) ?? { at: 0, count: 0 };
    entry.count++;
    last.set(message, entry);
    const now = Date.now();
    if (now - entry.at < ZAP_LOG_INTERVAL_MS) return;
    log.warn({ ...fields, times: entry.count }, message);
    entry.at = now;
    entry.count = 0;
  };
}

/**
 * The ZAP handler (ZeroMQ RFC 27): libzmq asks it about every CURVE handshake. Without one libzmq
 * would accept any client key, so the scheduler starts it before binding and fails closed.
 */
export async function startZapHandler(allowListFile: string, log: Logger): Promise<() => void> {
  const socket = new Router();
  await socket.bind(ZAP_ADDRESS);
  const warn = throttled(log);
  void (async () => {
    try {
      for await (const frames of socket) {
        const [route, empty, version, requestId, , address, , mechanism, credentials] = frames;
        const key = credentials?.toString('hex') ?? '';
        const allowed = allowedKeys(allowListFile);
        if (typeof allowed === 'string')
          warn('cannot read the agent allow-list; refusing every agent', { err: allowed });
        const ok =
          mechanism?.toString() === 'CURVE' && typeof allowed !== 'string' && allowed.has(key);
        if (!ok) warn('refused an agent key not allowed', { address: address?.toString() });
        await socket.send([
          route,
          empty,
          version,
          requestId,
          ok ? '200' : '400',
          ok ? 'OK' : 'key not allowed',
          ok ? key : '',
          Buffer.alloc(0),
        ]);
      }
    } catch {
      // closed
    }
  })();
  return () => socket.close();
}

const AGENT_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * `damson keys`: the scheduler's keys and the local agent's (kept if present), or with
 * `agentName` a new pair for a remote agent, `agent-<name>.key`, added to the allow-list.
 * Returns the files written.
 */
export function generateKeys(keysDirectory: string, agentName?: string): string[] {
  if (agentName === undefined) {
    const written = ensureLocalKeys(keysDirectory);
    if (!written.length)
      throw new DamsonError('keys_exist', `keys already exist in ${keysDirectory}`);
    return written;
  }
  if (!AGENT_NAME.test(agentName))
    throw new DamsonError('invalid_name', 'an agent name has 1-64 letters, digits, . _ or -');
  ensureLocalKeys(keysDirectory);
  const file = path.join(keysDirectory, `agent-${agentName}.key`);
  const pair = curveKeyPair();
  if (!createOnce(file, keyPairText(pair)))
    throw new DamsonError('keys_exist', `${file} already exists`);
  appendFileSync(
    path.join(keysDirectory, KEY_FILES.authorizedAgents),
    `# ${agentName}\n${pair.publicKey}\n`,
  );
  return [file, path.join(keysDirectory, KEY_FILES.authorizedAgents)];
}

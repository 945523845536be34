import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { curveKeyPair, Router } from 'zeromq';
import { ConfigError, DamsonError } from '../errors';
import type { Logger } from '../lifecycle/logger';
import { z85Decode } from './z85';

export interface KeyPair {
  publicKey: string;
  secretKey: string;
}

/** CURVE settings for the scheduler's ROUTER (server side) or an agent's DEALER (client side). */
export type ServerSecurity = { kind: 'open' } | { kind: 'curve'; keys: KeyPair; allowed: string[] };
export type ClientSecurity = { kind: 'open' } | { kind: 'curve'; keys: KeyPair; serverKey: string };

export const KEY_FILES = {
  schedulerKey: 'scheduler.key',
  schedulerPublic: 'scheduler.pub',
  agentKey: 'agent.key',
  authorizedAgents: 'authorized-agents',
} as const;

/** Loopback TCP and ipc/inproc stay on this machine: they may run without CURVE. */
export function isLocalAddress(address: string): boolean {
  if (/^(ipc|inproc):\/\//.test(address)) return true;
  const match = /^tcp:\/\/(.+):(\d+|\*)$/.exec(address);
  if (!match) return false;
  const host = match[1].replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

function readKeyPair(file: string): KeyPair {
  if (!existsSync(file)) {
    throw new ConfigError(file, '', 'missing CURVE key file (create the keys with `damson keys`)');
  }
  const lines = Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .map((line) => /^(public|secret)\s*=\s*(\S{40})\s*$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1], m[2]]),
  );
  if (!lines.public || !lines.secret) {
    throw new ConfigError(
      file,
      '',
      'expected lines `public = <40 chars>` and `secret = <40 chars>`',
    );
  }
  return { publicKey: lines.public, secretKey: lines.secret };
}

function readPublicKeys(file: string): string[] {
  if (!existsSync(file)) {
    throw new ConfigError(file, '', 'missing allow-list of agent public keys (`damson keys`)');
  }
  const keys = readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    // Z85 keys may contain '#': only whole lines are comments.
    .filter((line) => line && !line.startsWith('#'));
  keys.forEach((key, i) => {
    if (key.length !== 40) throw new ConfigError(file, String(i + 1), 'a key has 40 characters');
  });
  if (!keys.length) throw new ConfigError(file, '', 'the allow-list of agent keys is empty');
  return keys;
}

/** Open on a local address; CURVE with an allow-list anywhere else, and no start without keys. */
export function serverSecurity(
  address: string,
  keysDirectory: string,
  mode: 'auto' | 'curve' = 'auto',
): ServerSecurity {
  if (mode === 'auto' && isLocalAddress(address)) return { kind: 'open' };
  return {
    kind: 'curve',
    keys: readKeyPair(path.join(keysDirectory, KEY_FILES.schedulerKey)),
    allowed: readPublicKeys(path.join(keysDirectory, KEY_FILES.authorizedAgents)),
  };
}

export function clientSecurity(
  address: string,
  keysDirectory: string,
  mode: 'auto' | 'curve' = 'auto',
): ClientSecurity {
  if (mode === 'auto' && isLocalAddress(address)) return { kind: 'open' };
  const serverFile = path.join(keysDirectory, KEY_FILES.schedulerPublic);
  const [serverKey] = existsSync(serverFile) ? readPublicKeys(serverFile) : [];
  if (!serverKey) throw new ConfigError(serverFile, '', "missing the scheduler's public key");
  return {
    kind: 'curve',
    keys: readKeyPair(path.join(keysDirectory, KEY_FILES.agentKey)),
    serverKey,
  };
}

const ZAP_ADDRESS = 'inproc://zeromq.zap.01';

/**
 * The ZAP handler (ZeroMQ RFC 27): libzmq asks it about every CURVE handshake. Without one libzmq
 * would accept any client key, so the scheduler starts it before binding and fails closed.
 */
export async function startZapHandler(allowed: string[], log: Logger): Promise<() => void> {
  const allowedHex = new Set(allowed.map((key) => z85Decode(key).toString('hex')));
  const socket = new Router();
  await socket.bind(ZAP_ADDRESS);
  void (async () => {
    try {
      for await (const frames of socket) {
        const [route, empty, version, requestId, , address, , mechanism, credentials] = frames;
        const key = credentials?.toString('hex') ?? '';
        const ok = mechanism?.toString() === 'CURVE' && allowedHex.has(key);
        if (!ok) log.warn({ address: address?.toString() }, 'refused an agent key not allowed');
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

function writeKeyPair(file: string, keys: KeyPair): void {
  writeFileSync(file, `public = ${keys.publicKey}\nsecret = ${keys.secretKey}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/**
 * `damson keys`: creates the scheduler's key pair and one agent key pair (kept if present) and
 * adds the agent's public key to the allow-list. Returns the files written.
 */
export function generateKeys(keysDirectory: string): string[] {
  const written: string[] = [];
  const at = (name: string): string => path.join(keysDirectory, name);
  if (!existsSync(at(KEY_FILES.schedulerKey))) {
    const pair = curveKeyPair();
    writeKeyPair(at(KEY_FILES.schedulerKey), pair);
    writeFileSync(at(KEY_FILES.schedulerPublic), `${pair.publicKey}\n`);
    written.push(at(KEY_FILES.schedulerKey), at(KEY_FILES.schedulerPublic));
  }
  if (!existsSync(at(KEY_FILES.agentKey))) {
    const pair = curveKeyPair();
    writeKeyPair(at(KEY_FILES.agentKey), pair);
    const list = existsSync(at(KEY_FILES.authorizedAgents))
      ? readFileSync(at(KEY_FILES.authorizedAgents), 'utf8')
      : '# public keys of the agents allowed to connect, one per line\n';
    writeFileSync(at(KEY_FILES.authorizedAgents), `${list}${pair.publicKey}\n`);
    written.push(at(KEY_FILES.agentKey), at(KEY_FILES.authorizedAgents));
  }
  if (!written.length)
    throw new DamsonError('keys_exist', `keys already exist in ${keysDirectory}`);
  return written;
}

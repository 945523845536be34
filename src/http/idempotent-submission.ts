import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Request, Response } from 'express';
import type { Submission } from '../services/form/form';
import type { IdempotencyRecord } from '../store/job-store';
import { apiBase, type AppContext } from './app-context';
import { HttpError, notFound } from './http-error';
import { jobResource } from './resources';

/** How long a key holds its job (as Stripe's keys and the IETF draft suggest). */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 3_600_000;
/** The header a replayed answer carries (Stripe's name). */
export const REPLAYED_HEADER = 'Idempotent-Replayed';
/**
 * Long enough for a UUID or a ULID with a prefix, short enough to index; printable characters
 * with no quoting or separators. At least 8, so keys are not trivially guessable counters.
 */
const KEY_PATTERN = /^[A-Za-z0-9._~:+/=-]{8,255}$/;

/** A key as it will be claimed: whose, which, and what request it stands for. */
export interface OnceKey {
  scope: string;
  key: string;
  requestHash: string;
}

/** What a request is about, for its hash: a service's jobs, or a rerun of one job. */
export interface SubmissionTarget {
  kind: 'submit' | 'rerun';
  id: string;
}

const badKey = (message: string): HttpError =>
  new HttpError(400, 'invalid_idempotency_key', message, { header: 'Idempotency-Key' });

/** A valid key and whose it is, taken when the request starts. */
export interface ClientKey {
  scope: string;
  key: string;
}

/**
 * The `Idempotency-Key` header and its scope, or null without one. The IETF draft sends it as a
 * quoted string; a bare token is accepted too. Called before the body is read: the scope names
 * the client by its address, which is gone once a client drops the connection.
 */
export function idempotencyKey(req: Request, res: Response): ClientKey | null {
  const raw = req.headers['idempotency-key'];
  if (raw === undefined) return null;
  if (Array.isArray(raw)) throw badKey('Send one Idempotency-Key header.');
  const unquoted = /^"[^"]*"$/.test(raw.trim()) ? raw.trim().slice(1, -1) : raw.trim();
  if (!KEY_PATTERN.test(unquoted)) {
    throw badKey(
      'Idempotency-Key must be 8 to 255 characters of A-Z a-z 0-9 and . _ ~ : + / = - ' +
        '(a UUID is a good key).',
    );
  }
  return { scope: keyScope(req, res), key: unquoted };
}

/**
 * Keys are the client's: an API token's holder shares them across its connections; without a
 * token a client is its address. So one client can never replay (or block) another's key.
 */
function keyScope(req: Request, res: Response): string {
  const client = res.locals.client as { key?: string } | undefined;
  if (client?.key) return client.key;
  if (!req.ip) throw new HttpError(400, 'aborted', 'The connection closed before the request.');
  return `ip:${req.ip}`;
}

async function fileHash(file: { tempPath: string; content?: Buffer }): Promise<string> {
  const hash = createHash('sha256');
  if (file.content) return hash.update(file.content).digest('hex');
  for await (const chunk of createReadStream(file.tempPath)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * SHA-256 of the normalised request: what it targets, its query (scheduling hints and the like),
 * its text fields by name (values in order) and the SHA-256 of each uploaded file's contents. A
 * JSON body and a form with the same values hash alike; so do a field order change and a new
 * multipart boundary.
 */
export async function requestHash(
  req: Request,
  target: SubmissionTarget,
  submission: Submission,
): Promise<string> {
  const sorted = <T>(map: Map<string, T>): [string, T][] =>
    [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const files: [string, string[]][] = [];
  for (const [name, parts] of sorted(submission.files)) {
    files.push([name, await Promise.all(parts.map(fileHash))]);
  }
  const query = new URL(req.originalUrl, 'http://x').searchParams;
  const normal = {
    v: 1,
    target,
    query: [...query.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    fields: sorted(submission.fields),
    files,
  };
  return createHash('sha256').update(JSON.stringify(normal)).digest('hex');
}

export async function onceKey(
  req: Request,
  client: ClientKey,
  target: SubmissionTarget,
  submission: Submission,
): Promise<OnceKey> {
  return { ...client, requestHash: await requestHash(req, target, submission) };
}

export function onceRecord(once: OnceKey, jobId: string, now = new Date()): IdempotencyRecord {
  return {
    ...once,
    jobId,
    createdAt: now,
    expiresAt: new Date(now.getTime() + IDEMPOTENCY_KEY_TTL_MS),
  };
}

/**
 * Answers a request whose key is already held: the held job again (as first answered, with the
 * replay header) when the request is the same, 409 when it differs.
 */
export async function answerHeld(
  ctx: AppContext,
  req: Request,
  res: Response,
  once: OnceKey,
  held: IdempotencyRecord,
): Promise<void> {
  if (held.requestHash !== once.requestHash) {
    throw new HttpError(
      409,
      'idempotency_key_reused',
      'This Idempotency-Key was used for a different request (another service, other values ' +
        'or other files); send a new key for a new request.',
      { header: 'Idempotency-Key' },
    );
  }
  const job = await ctx.store.getJob(held.jobId);
  if (!job) throw notFound(`job '${held.jobId}'`);
  const body = jobResource(apiBase(req, ctx.settings), job);
  res.status(202).setHeader(REPLAYED_HEADER, 'true').location(String(body['@url'])).json(body);
}

/** Answers from a live record of the key when there is one; false when the request is new. */
export async function replayIfHeld(
  ctx: AppContext,
  req: Request,
  res: Response,
  once: OnceKey,
): Promise<boolean> {
  const held = await ctx.store.findIdempotencyKey(once.scope, once.key, new Date());
  if (!held) return false;
  await answerHeld(ctx, req, res, once, held);
  return true;
}

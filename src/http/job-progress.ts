import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { Job } from '../jobs';
import type { ProgressSpec } from '../services/service';
import type { JobProgress } from '../wire/api-resources';
import { confinedFile } from './job-outputs';
import { wireTimestamp } from './timestamp';

/** What a job resource shows as `progress` (declared with the other wire shapes). */
export type { JobProgress };

/** Only the end of an output is read: a progress line is recent by definition. */
export const TAIL_BYTES = 16 * 1024;
/** Lines are cut to this length before a pattern runs, which bounds its cost. */
export const MAX_LINE_LENGTH = 256;
/** At most this many of the last lines are tried. */
const MAX_LINES = 32;
const MAX_JSON_BYTES = 4096;
const MAX_MESSAGE_LENGTH = 200;
/** Jobs whose last reading is remembered; the oldest is forgotten first. */
const MAX_CACHED_JOBS = 10_000;
/** A job's progress is read only while it can change, and once more after it ended. */
const READ_STATES = new Set(['RUNNING', 'COMPLETED', 'FAILED', 'ERROR', 'INTERRUPTED']);

interface Reading {
  readAtMs: number;
  value: JobProgress | null;
  /** Read after the job ended: it cannot change any more. */
  final: boolean;
}

/** The tail of a file, as much as was there, or null if it cannot be read as a regular file. */
async function readTail(
  file: string,
  limit: number,
): Promise<{ text: string; mtime: Date } | null> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return null;
    const length = Math.min(limit, stats.size);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, stats.size - length);
    return { text: buffer.subarray(0, bytesRead).toString('utf8'), mtime: stats.mtime };
  } catch {
    return null;
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** A message is shown to every reader of the job: printable, single-line, short. */
const cleanMessage = (raw: unknown): string =>
  typeof raw === 'string'
    ? raw
        .replace(/[\p{Cc}\p{Cf}]+/gu, ' ')
        .trim()
        .slice(0, MAX_MESSAGE_LENGTH)
    : '';

const cleanPercent = (raw: unknown): number | null => {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : NaN;
  if (!Number.isFinite(n)) return null;
  return Math.round(Math.min(100, Math.max(0, n)) * 10) / 10;
};

/** The last of the tail's (bounded) lines that the pattern matches, as progress. */
export function progressFromLines(
  text: string,
  pattern: RegExp,
): { percent: number; message: string } | null {
  const lines = text.split(/\r\n|\r|\n/);
  let tried = 0;
  for (let i = lines.length - 1; i >= 0 && tried < MAX_LINES; i--) {
    const line = lines[i].slice(0, MAX_LINE_LENGTH);
    if (line === '') continue;
    tried++;
    const match = pattern.exec(line);
    if (!match) continue;
    const named = match.groups ?? {};
    const percent = cleanPercent(named.percent ?? match[1]);
    if (percent === null) continue;
    const message = named.message ?? (named.percent === undefined ? match[2] : undefined);
    return { percent, message: cleanMessage(message) };
  }
  return null;
}

export function progressFromJson(text: string): { percent: number; message: string } | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  const percent = cleanPercent((parsed as { percent?: unknown }).percent);
  if (percent === null) return null;
  return { percent, message: cleanMessage((parsed as { message?: unknown }).message) };
}

/**
 * Reads job progress from the job directory on demand, at most once per `intervalMs` per job
 * (so it changes, and is pushed, at most 1000/intervalMs times a second). Nothing is written to
 * the store: every server reads the same shared job directory, so any number of servers agree,
 * and a tick costs one small read on the server someone is watching from, not a store write.
 */
export class ProgressReader {
  private readonly readings = new Map<string, Reading>();

  constructor(
    private readonly jobsDirectory: string,
    private readonly specOf: (job: Job) => ProgressSpec | null,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The job's progress, from the cache when read within the interval. */
  async read(job: Job): Promise<JobProgress | null> {
    const spec = this.specOf(job);
    if (!spec || !READ_STATES.has(job.state)) return null;
    const cached = this.readings.get(job.id);
    const now = this.now();
    const final = job.state !== 'RUNNING';
    // The first reading after the end is fresh, so a finished job shows where it really ended.
    if (cached && (cached.final || (!final && now - cached.readAtMs < this.intervalMs)))
      return cached.value;
    const value = await this.readNow(job, spec);
    this.remember(job.id, { readAtMs: now, value, final });
    return value;
  }

  /** The last reading without touching the disk (for rendering right after read()). */
  peek(jobId: string): JobProgress | null {
    return this.readings.get(jobId)?.value ?? null;
  }

  private async readNow(job: Job, spec: ProgressSpec): Promise<JobProgress | null> {
    // Inside the job directory after every symlink, like any served output.
    const file = await confinedFile(path.join(this.jobsDirectory, job.workDir), spec.file);
    if (!file) return null;
    const tail = await readTail(file, spec.kind === 'json' ? MAX_JSON_BYTES : TAIL_BYTES);
    if (!tail) return null;
    const found =
      spec.kind === 'json'
        ? progressFromJson(tail.text)
        : progressFromLines(tail.text, spec.pattern);
    return found ? { ...found, updatedAt: wireTimestamp(tail.mtime) } : null;
  }

  private remember(id: string, reading: Reading): void {
    this.readings.delete(id);
    this.readings.set(id, reading);
    if (this.readings.size > MAX_CACHED_JOBS) {
      const oldest = this.readings.keys().next().value;
      if (oldest !== undefined) this.readings.delete(oldest);
    }
  }
}

/** The change key watchers compare: the percent, or `none`. */
export const progressKey = (progress: JobProgress | null): string =>
  progress ? String(progress.percent) : 'none';

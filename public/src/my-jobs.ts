import type { JobResource } from './api';

/**
 * The jobs submitted from this browser. Job ids are the only key to a job, so they stay here, in
 * this browser's storage, and are never sent anywhere but to this server.
 */
export interface MyJob {
  id: string;
  service: string;
  serviceName: string;
  /** ISO time when this browser submitted it. */
  submittedAt: string;
  /** The last state seen, for showing the list before the server answers. */
  status?: string;
  /** Output ids seen on the job page, offered as inputs for later jobs. */
  outputs?: { id: string; label: string }[];
}

/** The part of the Web Storage API used here (kept DOM-free so Node tests can load this file). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const KEY = 'damson.my-jobs.v1';
const MAX_JOBS = 500;

export class MyJobs {
  constructor(private readonly storage: KeyValueStorage) {}

  /** Newest first. */
  list(): MyJob[] {
    let parsed: unknown;
    try {
      parsed = JSON.parse(this.storage.getItem(KEY) ?? '[]');
    } catch {
      return [];
    }
    if (!Array.isArray(parsed)) return [];
    return parsed
      .filter(
        (j): j is MyJob =>
          typeof j === 'object' &&
          j !== null &&
          typeof j.id === 'string' &&
          typeof j.service === 'string',
      )
      .sort((a, b) => (a.submittedAt < b.submittedAt ? 1 : a.submittedAt > b.submittedAt ? -1 : 0));
  }

  add(job: MyJob): void {
    const rest = this.list().filter((j) => j.id !== job.id);
    this.save([job, ...rest].slice(0, MAX_JOBS));
  }

  update(id: string, status: string): void {
    const jobs = this.list();
    const job = jobs.find((j) => j.id === id);
    if (!job || job.status === status) return;
    job.status = status;
    this.save(jobs);
  }

  setOutputs(id: string, outputs: { id: string; label: string }[]): void {
    const jobs = this.list();
    const job = jobs.find((j) => j.id === id);
    if (!job || JSON.stringify(job.outputs ?? []) === JSON.stringify(outputs)) return;
    job.outputs = outputs;
    this.save(jobs);
  }

  /** Output ids of recent jobs, newest first. */
  knownFiles(limit = 50): { id: string; label: string }[] {
    return this.list()
      .flatMap((j) =>
        (j.outputs ?? []).map((o) => ({ id: o.id, label: `${j.serviceName}: ${o.label}` })),
      )
      .slice(0, limit);
  }

  remove(id: string): void {
    this.save(this.list().filter((j) => j.id !== id));
  }

  clear(): void {
    this.storage.removeItem(KEY);
  }

  private save(jobs: MyJob[]): void {
    try {
      this.storage.setItem(KEY, JSON.stringify(jobs));
    } catch {
      // Storage full or disabled (private mode): the list is a convenience, the job still exists.
    }
  }
}

/** localStorage can be missing or throw (disabled cookies); then nothing is remembered. */
export function browserJobs(): MyJobs {
  try {
    const storage = (globalThis as { localStorage?: KeyValueStorage }).localStorage;
    if (storage) return new MyJobs(storage);
  } catch {
    // fall through
  }
  const memory = new Map<string, string>();
  return new MyJobs({
    getItem: (k: string) => memory.get(k) ?? null,
    setItem: (k: string, v: string) => void memory.set(k, v),
    removeItem: (k: string) => void memory.delete(k),
  });
}

/** What the server's job listing says about one job (the fields "My jobs" shows). */
export type ListedJob = Pick<JobResource, 'id' | 'service' | 'submissionTime' | 'status'>;

/**
 * The server writes UTC times without a zone (`2026-01-31T12:00:00`, as slivka does), which a
 * browser would read as local time; this browser's own times are full ISO strings.
 */
function utcTime(wire: unknown): string {
  const text = String(wire);
  const date = new Date(/(Z|[+-]\d\d:?\d\d)$/i.test(text) ? text : `${text}Z`);
  return Number.isNaN(date.getTime()) ? text : date.toISOString();
}

/**
 * The server's list of the caller's jobs joined with what this browser remembers, newest first,
 * each job once: the server's state wins, this browser's names and outputs are kept.
 */
export function mergeJobs(remembered: MyJob[], listed: ListedJob[]): MyJob[] {
  const byId = new Map<string, MyJob>(remembered.map((j) => [j.id, j]));
  for (const job of listed) {
    if (typeof job?.id !== 'string' || typeof job.service !== 'string') continue;
    const known = byId.get(job.id);
    byId.set(job.id, {
      ...known,
      id: job.id,
      service: job.service,
      serviceName: known?.serviceName ?? job.service,
      submittedAt: known?.submittedAt ?? utcTime(job.submissionTime),
      status: typeof job.status === 'string' ? job.status : known?.status,
    });
  }
  return [...byId.values()].sort((a, b) =>
    a.submittedAt < b.submittedAt ? 1 : a.submittedAt > b.submittedAt ? -1 : 0,
  );
}

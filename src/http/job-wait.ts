import type { Request, Response } from 'express';
import { isFinished, isJobState, type Job, type JobState } from '../jobs';
import type { JobResource } from '../wire/api-resources';
import { HttpError } from './http-error';
import type { JobWatcher } from './job-watcher';

export const MAX_WAIT_SECONDS = 60;
const KEEP_ALIVE_MS = 15_000;

/** `?wait=<seconds>`: absent means no wait; more than 60 is taken as 60. */
export function waitSeconds(req: Request): number {
  const raw = req.query.wait;
  if (raw === undefined || raw === '') return 0;
  const seconds = typeof raw === 'string' && /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isFinite(seconds)) {
    throw new HttpError(400, 'invalid_query', 'wait must be a number of seconds from 0 to 60', {
      parameter: 'wait',
    });
  }
  return Math.min(seconds, MAX_WAIT_SECONDS);
}

/** `?status=<last seen>`: the state the client already knows; default the job's current state. */
export function lastSeenState(req: Request, job: Job): JobState {
  const raw = req.query.status;
  if (raw === undefined || raw === '') return job.state;
  const state = typeof raw === 'string' ? raw.trim().toUpperCase() : '';
  if (!isJobState(state)) {
    throw new HttpError(400, 'invalid_query', `status '${String(raw)}' is not a job state`, {
      parameter: 'status',
    });
  }
  return state;
}

/**
 * Long-poll: resolves with the job as soon as its state differs from `lastSeen`, or after
 * `seconds` with the job as it is then. A finished job cannot change, so it is answered at once.
 * Resolves with null when the client went away.
 */
export function waitForChange(
  res: Response,
  watcher: JobWatcher,
  job: Job,
  lastSeen: JobState,
  seconds: number,
  reread: () => Promise<Job>,
  progress?: { known: string; current: string },
): Promise<Job | null> {
  const progressMoved = progress !== undefined && progress.known !== progress.current;
  if (job.state !== lastSeen || isFinished(job.state) || seconds === 0 || progressMoved) {
    return Promise.resolve(job);
  }
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (outcome: Promise<Job | null> | Job | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stop();
      res.off('close', gone);
      Promise.resolve(outcome).then(resolve, reject);
    };
    const gone = (): void => finish(null);
    const timer = setTimeout(() => finish(reread()), seconds * 1000);
    const stop = watcher.watch(
      job,
      (changed) => finish(changed),
      () => finish(reread()),
      progress?.known,
    );
    // The response closing before we answered means the client went away.
    res.once('close', gone);
  });
}

/**
 * Server-Sent Events: an event `job` with the JobResource at connect and at every state change;
 * the stream ends after a finished state. Event ids are the state, so a browser that reconnects
 * after the end (Last-Event-ID = the finished state) gets 204, which stops EventSource retrying.
 */
export function streamJobEvents(
  req: Request,
  res: Response,
  watcher: JobWatcher,
  job: Job,
  render: (job: Job) => JobResource,
  /** The progress key at connect: progress changes are sent as `job` events too. */
  progress?: string,
): void {
  const lastEventId = req.headers['last-event-id'];
  if (isFinished(job.state) && lastEventId === job.state) {
    res.status(204).end();
    return;
  }
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.write('retry: 2000\n\n');
  let stop: () => void = () => undefined;
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
  const end = (): void => {
    clearInterval(keepAlive);
    stop();
    if (!res.writableEnded) res.end();
  };
  const send = (current: Job): void => {
    res.write(`event: job\nid: ${current.state}\ndata: ${JSON.stringify(render(current))}\n\n`);
    if (isFinished(current.state)) end();
  };
  send(job);
  if (res.writableEnded) return;
  stop = watcher.watch(job, send, end, progress);
  res.once('close', end);
}

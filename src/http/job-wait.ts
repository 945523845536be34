import type { Request, Response } from 'express';
import { isFinished, isJobState, type Job, type JobState } from '../jobs';
import type { JobResource } from '../wire/api-resources';
import { HttpError } from './http-error';
import type { JobWatcher } from './job-watcher';
import { watchedEventStream } from './event-stream';
import { longPoll } from './long-poll';

export const MAX_WAIT_SECONDS = 60;

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
  return longPoll(
    res,
    seconds,
    (answer) =>
      watcher.watch(
        job,
        (changed) => answer(changed),
        () => answer(reread()),
        progress?.known,
      ),
    reread,
  );
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
  const stream = watchedEventStream(res);
  const send = (current: Job): void => {
    stream.send('job', current.state, render(current));
    if (isFinished(current.state)) stream.end();
  };
  send(job);
  if (res.writableEnded) return;
  stream.watchedBy(watcher.watch(job, send, stream.end, progress));
}

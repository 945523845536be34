import { api, ApiError, isFinished, type JobResource } from './api';

export type WatchMode = 'events' | 'long-poll' | 'polling';

export interface JobWatcher {
  stop(): void;
}

const POLL_INTERVAL_MS = 1000;
const LONG_POLL_SECONDS = 30;
const MAX_RETRY_MS = 10_000;
const LONG_POLL_EVIDENCE_MS = 900;

/** `&progress=<last percent>`: a Damson server then also answers when the job's progress moves. */
const progressQuery = (job: JobResource): string => {
  const percent = (job as { progress?: { percent?: unknown } }).progress?.percent;
  return `&progress=${typeof percent === 'number' ? percent : 'none'}`;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Follows a job until it finishes, without reloading: Server-Sent Events first
 * (`GET /api/jobs/{id}/events`), then long-poll (`?wait=&status=`), and plain polling every second
 * where the server offers neither (a 404 for the stream; a long-poll answered at once).
 */
export function watchJob(
  id: string,
  onJob: (job: JobResource, mode: WatchMode) => void,
  onError: (error: ApiError) => void,
): JobWatcher {
  let stopped = false;
  let source: EventSource | null = null;

  const poll = async (initial: JobResource | null): Promise<void> => {
    let last = initial;
    let failures = 0;
    let waitHonoured = false;
    while (!stopped && !(last && isFinished(last))) {
      const started = Date.now();
      const query = last
        ? `?wait=${LONG_POLL_SECONDS}&status=${encodeURIComponent(last.status)}${progressQuery(last)}`
        : '';
      try {
        const job = await api.job(id, query);
        failures = 0;
        if (stopped) return;
        const waited = Date.now() - started;
        const unchanged = last !== null && job.status === last.status;
        // A server without long-poll answers at once, so a long wait proves it honours `wait`.
        if (last !== null && waited >= LONG_POLL_EVIDENCE_MS) waitHonoured = true;
        const mode: WatchMode = waitHonoured ? 'long-poll' : 'polling';
        last = job;
        onJob(job, mode);
        if (unchanged && waited < POLL_INTERVAL_MS) await sleep(POLL_INTERVAL_MS - waited);
      } catch (error) {
        const apiError = error instanceof ApiError ? error : new ApiError(0, String(error), null);
        if (apiError.status === 404 || apiError.status === 400) {
          onError(apiError);
          return;
        }
        failures += 1;
        onError(apiError);
        await sleep(Math.min(MAX_RETRY_MS, POLL_INTERVAL_MS * 2 ** failures));
      }
    }
  };

  const useEvents = (): void => {
    if (typeof EventSource === 'undefined') {
      void poll(null);
      return;
    }
    let received = false;
    source = new EventSource(`api/jobs/${encodeURIComponent(id)}/events`);
    source.addEventListener('job', (event) => {
      received = true;
      const job = JSON.parse((event as MessageEvent<string>).data) as JobResource;
      if (stopped) return;
      onJob(job, 'events');
      if (isFinished(job)) source?.close();
    });
    source.addEventListener('error', () => {
      if (stopped) return;
      // Before any event, an error means no stream here (404); after, the browser reconnects
      // by itself unless the server closed for good.
      if (!received || source?.readyState === EventSource.CLOSED) {
        source?.close();
        source = null;
        if (!received) void poll(null);
      }
    });
  };

  useEvents();
  return {
    stop() {
      stopped = true;
      source?.close();
    },
  };
}

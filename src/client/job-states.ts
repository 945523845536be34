import type { ApiClient } from './api-client';
import { readEvents } from './sse-reader';
import { jobView, serverMessage, type JobView } from './resources';

/** How the end was awaited; `none` when the job had already finished. */
export type WaitMethod = 'none' | 'sse' | 'long-poll' | 'poll';

const LONG_POLL_SECONDS = 25;
/** A long-poll answered this fast with no change means the server ignored `?wait=`. */
const IGNORED_WAIT_MS = 1000;
/** Damson sends a keep-alive comment every 15 s on an idle stream. */
const SSE_IDLE_MS = 45_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The job's states until it finishes, each yielded once, by the best means the server offers:
 * its SSE stream (`<job>/events`), else long-poll (`?wait=`), else polling every `intervalMs`
 * as against a plain slivka server. `method()` says which one is in use.
 */
export class JobStates {
  method: WaitMethod = 'none';

  constructor(
    private readonly api: ApiClient,
    private readonly intervalMs: number,
  ) {}

  async *follow(first: JobView): AsyncGenerator<JobView> {
    let current = first;
    yield current;
    if (current.finished) return;
    const jobUrl = this.api.link(current.url);
    for await (const job of this.events(jobUrl)) {
      if (job.status !== current.status) yield job;
      current = job;
      if (current.finished) return;
    }
    this.method = 'long-poll';
    while (!current.finished) {
      const job = this.polling() ? await this.poll(jobUrl) : await this.longPoll(jobUrl, current);
      if (job.status !== current.status || job.finished !== current.finished) yield job;
      current = job;
    }
  }

  private polling(): boolean {
    return this.method === 'poll';
  }

  /** Nothing when the server has no event stream (404 from slivka) or it breaks off. */
  private async *events(jobUrl: URL): AsyncGenerator<JobView> {
    let res;
    try {
      res = await this.api.request('GET', new URL(`${jobUrl.href}/events`), {
        headers: { Accept: 'text/event-stream' },
        idleTimeoutMs: SSE_IDLE_MS,
      });
    } catch {
      return;
    }
    if (
      res.statusCode !== 200 ||
      !String(res.headers['content-type'] ?? '').startsWith('text/event-stream')
    ) {
      res.resume();
      return;
    }
    this.method = 'sse';
    try {
      for await (const event of readEvents(res)) {
        if (event.event !== 'job') continue;
        yield jobView(JSON.parse(event.data));
      }
    } catch {
      // a broken stream: long-poll from the last state seen
    } finally {
      res.destroy();
    }
  }

  private async longPoll(jobUrl: URL, current: JobView): Promise<JobView> {
    const url = new URL(jobUrl);
    url.searchParams.set('wait', String(LONG_POLL_SECONDS));
    url.searchParams.set('status', current.status);
    const started = Date.now();
    const answer = await this.api.json('GET', url, {
      idleTimeoutMs: LONG_POLL_SECONDS * 1000 + this.api.timeoutMs,
    });
    if (answer.status === 400) {
      this.method = 'poll';
      return current;
    }
    if (answer.status >= 300) throw serverMessage(answer.status, answer.body);
    const job = jobView(answer.body);
    if (job.status === current.status && !job.finished && Date.now() - started < IGNORED_WAIT_MS) {
      this.method = 'poll';
    }
    return job;
  }

  private async poll(jobUrl: URL): Promise<JobView> {
    await sleep(this.intervalMs);
    return this.api.jobAt(jobUrl);
  }
}

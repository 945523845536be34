import type { Job } from '../jobs';
import { FileFeed } from './file-feed';
import { HttpError } from './http-error';
import type { JobWatcher } from './job-watcher';

/**
 * The open feeds (file-feed.ts), one per job and output that someone follows, opened by its first
 * stream and closed when its last one leaves.
 */
export class FileFeeds {
  private readonly feeds = new Map<string, Promise<FileFeed>>();

  constructor(
    private readonly watcher: JobWatcher,
    private readonly pollIntervalMs: number,
  ) {}

  /** The feed of `file` (its real, confined path) of `job`, opened if none is. */
  async feedOf(job: Job, file: string): Promise<FileFeed> {
    const key = `${job.id}\0${file}`;
    // A feed closes right after opening only when the server shuts down: one more try.
    for (let attempt = 0; attempt < 2; attempt++) {
      let pending = this.feeds.get(key);
      if (!pending) {
        const opening = FileFeed.open(file, {
          job,
          watcher: this.watcher,
          pollIntervalMs: this.pollIntervalMs,
          onClosed: () => {
            if (this.feeds.get(key) === opening) this.feeds.delete(key);
          },
        });
        pending = opening;
        this.feeds.set(key, opening);
        opening.catch(() => {
          if (this.feeds.get(key) === opening) this.feeds.delete(key);
        });
      }
      const feed = await pending;
      if (!feed.closed) return feed;
    }
    throw new HttpError(
      503,
      'shutting_down',
      'This server is shutting down; retry shortly.',
      {},
      {
        'Retry-After': '5',
      },
    );
  }

  /** Feeds open now (for tests and metrics). */
  get open(): number {
    return this.feeds.size;
  }
}

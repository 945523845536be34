import { stat } from 'node:fs/promises';
import type { Request, Response } from 'express';
import { isFinished, type Job } from '../jobs';
import { FeedSubscriber } from './feed-subscriber';
import type { FileFeeds } from './file-feeds';
import { HttpError } from './http-error';
import { openEventStream } from './event-stream';

const OFFSET = /^\d{1,15}$/;

/** Where a stream starts: `Last-Event-ID` (a reconnect) wins over `?from=`; else byte 0. */
function startOffset(req: Request): { offset: number; resumed: boolean } {
  const header = req.headers['last-event-id'];
  if (typeof header === 'string' && header.trim() !== '') {
    if (!OFFSET.test(header.trim())) throw badOffset('Last-Event-ID');
    return { offset: Number(header.trim()), resumed: true };
  }
  const from = req.query.from;
  if (from === undefined || from === '') return { offset: 0, resumed: false };
  if (typeof from !== 'string' || !OFFSET.test(from)) throw badOffset('from');
  return { offset: Number(from), resumed: false };
}

const badOffset = (parameter: string): HttpError =>
  new HttpError(400, 'invalid_offset', `${parameter} must be a byte offset (a whole number)`, {
    parameter,
  });

export interface FileEventOptions {
  /** The output's real, confined path. */
  file: string;
  job: Job;
  /** The shared per-file readers (file-feeds.ts). */
  feeds: FileFeeds;
  /** Gives back the stream's place in the FileEventGate; called once when the stream ends. */
  release: () => void;
}

/**
 * Server-Sent Events over one output file: `event: output` whose data is a JSON string of the new
 * text and whose id is the byte offset after it, then `event: end` (id: the final size) once the
 * job has finished and the file has stopped growing. The file is read once per batch for all its
 * streams (file-feed.ts); a stream behind the others reads on its own, pull-based, so a slow
 * reader holds one chunk, never a backlog (feed-subscriber.ts).
 */
export async function streamFileEvents(
  req: Request,
  res: Response,
  options: FileEventOptions,
): Promise<void> {
  try {
    const start = startOffset(req);
    // A browser reconnecting after `end`: 204 stops EventSource from retrying.
    if (start.resumed && isFinished(options.job.state)) {
      const { size } = await stat(options.file).catch(() => ({ size: Infinity }));
      if (start.offset >= size) {
        options.release();
        res.status(204).end();
        return;
      }
    }
    const feed = await options.feeds.feedOf(options.job, options.file);
    openEventStream(res);
    // Synchronously after the feed was found open, so it has not closed in between.
    const subscriber = new FeedSubscriber(res, start.offset, feed, options.release);
    if (!feed.add(subscriber)) subscriber.close();
  } catch (error) {
    options.release();
    throw error;
  }
}

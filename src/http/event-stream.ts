import type { Response } from 'express';

const KEEP_ALIVE_MS = 15_000;

/** Starts a Server-Sent Events response: its headers (no proxy buffering) and the retry hint. */
export function openEventStream(res: Response): void {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.write('retry: 2000\n\n');
}

export interface WatchedEventStream {
  /** Writes one event: its name, its id (what a reconnecting browser sends back) and its data. */
  send(event: string, id: string, data: unknown): void;
  /** Ends the stream, once: the keep-alives, the watch and the response. */
  end(): void;
  /** The watch feeding the stream, stopped at its end; the client leaving ends it too. */
  watchedBy(stop: () => void): void;
}

/** An event stream kept alive by a comment every 15 s until it ends. */
export function watchedEventStream(res: Response): WatchedEventStream {
  openEventStream(res);
  let stop: () => void = () => undefined;
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
  const end = (): void => {
    clearInterval(keepAlive);
    stop();
    if (!res.writableEnded) res.end();
  };
  return {
    send: (event, id, data) =>
      res.write(`event: ${event}\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`),
    end,
    watchedBy(watch) {
      stop = watch;
      res.once('close', end);
    },
  };
}

import { request, type ClientRequest, type IncomingMessage } from 'node:http';

export interface SseEvent {
  event: string;
  id: string | undefined;
  data: string;
  /** Date.now() when the event's last line arrived. */
  at: number;
}

export interface SseStream {
  status: Promise<number>;
  events: SseEvent[];
  /** Resolves when the server ends the stream (or the client closed it). */
  ended: Promise<void>;
  close: () => void;
}

/** A minimal EventSource for tests: one connection, no retries, every event kept with its time. */
export function openSse(url: string, headers: Record<string, string> = {}): SseStream {
  const events: SseEvent[] = [];
  let req: ClientRequest;
  let resolveEnded: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => (resolveEnded = resolve));
  const status = new Promise<number>((resolve, reject) => {
    // A connection of its own: a kept-alive one the server is closing would reset the request.
    req = request(
      url,
      { agent: false, headers: { Accept: 'text/event-stream', ...headers } },
      (res) => {
        resolve(res.statusCode ?? 0);
        parse(res, events);
        res.on('end', resolveEnded);
        res.on('close', resolveEnded);
        res.on('error', resolveEnded);
      },
    );
    req.on('error', (error) => {
      reject(error);
      resolveEnded();
    });
    req.end();
  });
  status.catch(() => undefined);
  return { status, events, ended, close: () => req.destroy() };
}

function parse(res: IncomingMessage, events: SseEvent[]): void {
  let pending = '';
  let current: Omit<SseEvent, 'at'> = { event: 'message', id: undefined, data: '' };
  let hasData = false;
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line === '') {
        if (hasData) events.push({ ...current, at: Date.now() });
        current = { event: 'message', id: undefined, data: '' };
        hasData = false;
        continue;
      }
      const colon = line.indexOf(':');
      if (colon === 0) continue;
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') current.event = value;
      else if (field === 'id') current.id = value;
      else if (field === 'data') {
        current.data = hasData ? `${current.data}\n${value}` : value;
        hasData = true;
      }
    }
  });
}

/** The text of a file stream's `output` events, in order. */
export const outputText = (events: SseEvent[]): string =>
  events
    .filter((e) => e.event === 'output')
    .map((e) => JSON.parse(e.data) as string)
    .join('');

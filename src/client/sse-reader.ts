import type { IncomingMessage } from 'node:http';

export interface ServerEvent {
  event: string;
  id: string | undefined;
  data: string;
}

/** Bounds: a hostile or broken server must not make the client buffer without limit. */
const MAX_EVENT_BYTES = 8 * 1024 * 1024;

/**
 * Server-Sent Events from a response (the text/event-stream format: `event:`, `id:`, `data:`
 * lines, a blank line ends an event, `:` starts a comment). Yields events until the stream ends.
 */
export async function* readEvents(res: IncomingMessage): AsyncGenerator<ServerEvent> {
  res.setEncoding('utf8');
  let pending = '';
  let event = '';
  let id: string | undefined;
  let data: string[] = [];
  let dataBytes = 0;
  for await (const chunk of res as AsyncIterable<string>) {
    pending += chunk;
    if (pending.length > MAX_EVENT_BYTES) throw new Error('an event is over 8 MiB');
    let newline: number;
    while ((newline = pending.search(/\r\n|\r|\n/)) >= 0) {
      const width = pending.startsWith('\r\n', newline) ? 2 : 1;
      // A lone \r at the end of a chunk may be half of \r\n: wait for the next chunk.
      if (pending[newline] === '\r' && width === 1 && newline === pending.length - 1) break;
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + width);
      if (line === '') {
        if (data.length) yield { event: event || 'message', id, data: data.join('\n') };
        event = '';
        data = [];
        dataBytes = 0;
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') event = value;
      else if (field === 'id' && !value.includes('\0')) id = value;
      else if (field === 'data') {
        dataBytes += value.length;
        if (dataBytes > MAX_EVENT_BYTES) throw new Error('an event is over 8 MiB');
        data.push(value);
      }
    }
  }
}

import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: <T = Record<string, unknown>>() => T;
}

/**
 * One HTTP request with exactly the given headers and body bytes. A body given as several
 * chunks without a Content-Length goes out with `Transfer-Encoding: chunked`, as the Java client
 * sends streamed uploads.
 */
export function rawRequest(
  url: string,
  method: string,
  headers: Record<string, string> = {},
  body?: Buffer | string | (Buffer | string)[],
): Promise<RawResponse> {
  return exchange((onResponse) => request(url, { method, headers }, onResponse), body);
}

/** Sends the request `open` makes, with the body chunks, and collects the whole answer. */
export function exchange(
  open: (onResponse: (res: IncomingMessage) => void) => ClientRequest,
  body?: Buffer | string | (Buffer | string)[],
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = open((res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text,
          json: <T>() => JSON.parse(text) as T,
        });
      });
    });
    req.on('error', reject);
    for (const chunk of ([] as (Buffer | string)[]).concat(body ?? [])) req.write(chunk);
    req.end();
  });
}

/** Sends raw bytes on a socket and destroys it after `destroyAfterMs` (a client that vanishes). */
export function sendAndVanish(port: number, bytes: string, destroyAfterMs = 50): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(bytes);
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, destroyAfterMs);
    });
    socket.on('error', reject);
  });
}

export interface Part {
  name?: string;
  filename?: string;
  headers?: string[];
  value: string | Buffer;
}

/** A multipart body built by hand, so quirks (no name, filename="", charsets) survive. */
export function multipartBody(
  parts: Part[],
  boundary = 'DamsonTestBoundary7MA4YWxk',
): {
  contentType: string;
  body: Buffer;
} {
  const pieces: Buffer[] = [];
  for (const part of parts) {
    const disposition = ['form-data'];
    if (part.name !== undefined) disposition.push(`name="${part.name}"`);
    if (part.filename !== undefined) disposition.push(`filename="${part.filename}"`);
    const head = [
      `--${boundary}`,
      `Content-Disposition: ${disposition.join('; ')}`,
      ...(part.headers ?? []),
    ];
    pieces.push(Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'));
    pieces.push(typeof part.value === 'string' ? Buffer.from(part.value, 'utf8') : part.value);
    pieces.push(Buffer.from('\r\n'));
  }
  pieces.push(Buffer.from(`--${boundary}--\r\n`));
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat(pieces) };
}

/**
 * Sends raw request bytes and cuts the connection mid-answer: once `afterResponseBytes` bytes of
 * the response have arrived (0: as soon as any does), or after `afterMs` whatever came. Resolves
 * with what was received, so a test can tell a cut answer from none.
 */
export function sendAndCut(
  port: number,
  bytes: Buffer | string,
  cut: { afterResponseBytes: number } | { afterMs: number },
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const received: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve(Buffer.concat(received));
    };
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(bytes);
      if ('afterMs' in cut) setTimeout(finish, cut.afterMs);
    });
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      size += chunk.length;
      if ('afterResponseBytes' in cut && size > cut.afterResponseBytes) finish();
    });
    socket.on('end', finish);
    socket.on('error', (error) => (done ? undefined : reject(error)));
    // A server that never answers would hang the test: give up after 10 s.
    setTimeout(finish, 10_000).unref();
  });
}

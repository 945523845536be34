import http, { type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import { ClientError, EXIT } from './exit-codes';

/** A request body that writes itself, reporting how many bytes went out. */
export interface StreamedBody {
  length: number;
  contentType: string;
  write: (sink: NodeJS.WritableStream) => Promise<void>;
}

export interface RequestOptions {
  headers?: OutgoingHttpHeaders;
  body?: Buffer | StreamedBody;
  /** The connection may be silent for this long (ms) before the request fails. */
  idleTimeoutMs: number;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ECONNABORTED',
]);

export function networkError(url: URL, error: unknown): ClientError {
  const code = (error as NodeJS.ErrnoException)?.code;
  const reason =
    code && NETWORK_CODES.has(code) ? code : String((error as Error)?.message ?? error);
  return new ClientError(EXIT.network, `cannot reach ${url.origin}: ${reason}`);
}

/** Sends one request and resolves with the response head; the body is left to the caller. */
export function send(method: string, url: URL, options: RequestOptions): Promise<IncomingMessage> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ClientError(EXIT.server, `refusing a link that is not http(s): ${url.protocol}`);
  const transport = url.protocol === 'https:' ? https : http;
  const headers: OutgoingHttpHeaders = { 'User-Agent': 'damson-jobs', ...options.headers };
  const body = options.body;
  if (Buffer.isBuffer(body)) headers['Content-Length'] = body.length;
  else if (body) {
    headers['Content-Length'] = body.length;
    headers['Content-Type'] = body.contentType;
  }
  return new Promise((resolve, reject) => {
    const req = transport.request(url, { method, headers }, resolve);
    req.setTimeout(options.idleTimeoutMs, () =>
      req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })),
    );
    req.on('error', (error) => reject(networkError(url, error)));
    if (Buffer.isBuffer(body)) req.end(body);
    else if (body)
      body.write(req).then(
        () => req.end(),
        (error) => req.destroy(error as Error),
      );
    else req.end();
  });
}

/** Reads a whole response body, refusing more than `maxBytes` (a hostile server could send GBs). */
export function readBody(res: IncomingMessage, maxBytes: number, url: URL): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (error: ClientError): void => {
      if (settled) return;
      settled = true;
      reject(error);
    };
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        fail(
          new ClientError(EXIT.server, `the answer from ${url.origin} is over ${maxBytes} bytes`),
        );
        res.destroy();
        return;
      }
      chunks.push(chunk);
    });
    res.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks));
    });
    res.on('error', (error) => fail(networkError(url, error)));
    res.on('aborted', () => fail(networkError(url, new Error('connection closed'))));
  });
}

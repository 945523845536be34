import http from 'node:http';
import https from 'node:https';

/** Bytes of a receiver's answer read before the connection is dropped: the body is ignored. */
const MAX_RESPONSE_BYTES = 64 * 1024;

export interface PostResult {
  statusCode: number | null;
  error: string | null;
}

/**
 * One POST of a signed body. Bounded in time (`timeoutMs` for the whole exchange), never follows
 * a redirect (a 3xx is an answer like any other, and not a success), and reads at most
 * MAX_RESPONSE_BYTES of the answer, which it throws away. Never throws: errors are the result.
 */
export function postWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<PostResult> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: PostResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    let request: http.ClientRequest;
    try {
      const target = new URL(url);
      const client = target.protocol === 'https:' ? https : http;
      request = client.request(target, {
        method: 'POST',
        headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
        agent: false,
      });
    } catch (error) {
      resolve({ statusCode: null, error: (error as Error).message.slice(0, 200) });
      return;
    }
    const timer = setTimeout(() => {
      request.destroy();
      finish({ statusCode: null, error: `no answer within ${timeoutMs} ms` });
    }, timeoutMs);
    request.on('response', (response) => {
      let read = 0;
      const statusCode = response.statusCode ?? null;
      response.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > MAX_RESPONSE_BYTES) {
          response.destroy();
          finish({ statusCode, error: null });
        }
      });
      response.on('end', () => finish({ statusCode, error: null }));
      response.on('error', () => finish({ statusCode, error: null }));
    });
    request.on('error', (error: NodeJS.ErrnoException) =>
      finish({ statusCode: null, error: error.code ?? error.message.slice(0, 200) }),
    );
    request.end(body);
  });
}

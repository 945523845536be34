import { request } from 'node:http';
import type { RawResponse } from './raw-http';

/**
 * A request whose target goes on the wire exactly as given: `..`, `%2E`, `%2F`, backslashes and
 * empty segments included. A URL string would pass through WHATWG parsing first, which removes
 * dot segments (also `%2E`), turns `\` into `/` and so hides what an attacker can send.
 */
export function rawTargetRequest(
  baseUrl: string,
  target: string,
  method = 'GET',
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path: target, method, headers }, (res) => {
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
    req.end();
  });
}

import { request } from 'node:http';
import { exchange, type RawResponse } from './raw-http';

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
  return exchange((onResponse) =>
    request({ host: hostname, port, path: target, method, headers }, onResponse),
  );
}

import { createHmac } from 'node:crypto';

/**
 * The `Damson-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. Signing
 * the time with the body lets a receiver refuse a replay of an old delivery (see docs/api.md).
 */
export function webhookSignature(secret: string, unixSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

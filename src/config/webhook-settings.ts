import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors';
import { resolveIn } from './settings';

/** Webhooks (`callback=` on submission): where they may go, how they are signed and retried. */
export interface WebhookSettings {
  /**
   * Host names a callback may name: exact (`hooks.example.org`, `127.0.0.1`) or a wildcard over
   * sub-domains (`*.example.org`). Empty (the default) refuses every callback; loopback and
   * private addresses are allowed only when listed like any other host.
   */
  allowedHosts: string[];
  /** The HMAC-SHA256 key; null (no secret configured) refuses every callback. */
  secret: string | null;
  /** One POST's whole time, connection to response head. */
  requestTimeoutMs: number;
  /** Retries stop this long after the event. */
  maxAgeMs: number;
  /** The first retry's delay; each next one doubles, up to retryMaxDelayMs, with jitter. */
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  /** How often the scheduler looks for due deliveries. */
  pollIntervalMs: number;
}

const HOST_PATTERN =
  '^(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$|^\\[[0-9A-Fa-f:.]+\\]$';
const DAY_MS = 24 * 3600 * 1000;
const MIN_SECRET_CHARS = 16;

/** JSON-schema properties merged into the settings schema. */
export const webhookSettingsProperties = {
  'api.webhooks.allowed-hosts': {
    type: 'array',
    maxItems: 1000,
    items: { type: 'string', pattern: HOST_PATTERN },
  },
  'api.webhooks.secret': { type: 'string', minLength: MIN_SECRET_CHARS },
  'api.webhooks.secret-file': { type: 'string', minLength: 1 },
  'api.webhooks.request-timeout': { type: 'integer', minimum: 100, maximum: 60_000 },
  'api.webhooks.max-age': { type: 'integer', minimum: 1000, maximum: DAY_MS },
  'api.webhooks.retry-base-delay': { type: 'integer', minimum: 10, maximum: 3_600_000 },
  'api.webhooks.retry-max-delay': { type: 'integer', minimum: 10, maximum: 6 * 3_600_000 },
  'api.webhooks.poll-interval': { type: 'integer', minimum: 50, maximum: 60_000 },
} as const;

/** The secret from `api.webhooks.secret`, or the first line of `api.webhooks.secret-file`. */
function readSecret(flat: Record<string, unknown>, home: string, file: string): string | null {
  const inline = flat['api.webhooks.secret'] as string | undefined;
  const secretFile = flat['api.webhooks.secret-file'] as string | undefined;
  if (inline !== undefined && secretFile !== undefined) {
    throw new ConfigError(file, 'api.webhooks.secret-file', 'give the secret or a file, not both');
  }
  if (secretFile === undefined) return inline ?? null;
  let text: string;
  try {
    text = readFileSync(resolveIn(home, secretFile), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(file, 'api.webhooks.secret-file', `cannot read the file (${code})`);
  }
  const secret = text.split(/\r?\n/)[0].trim();
  if (secret.length < MIN_SECRET_CHARS) {
    throw new ConfigError(
      file,
      'api.webhooks.secret-file',
      `the secret must be at least ${MIN_SECRET_CHARS} characters`,
    );
  }
  return secret;
}

export function buildWebhookSettings(
  flat: Record<string, unknown>,
  home: string,
  file: string,
): WebhookSettings {
  const int = (key: string, fallback: number): number =>
    (flat[key] as number | undefined) ?? fallback;
  const allowed = (flat['api.webhooks.allowed-hosts'] as string[] | undefined) ?? [];
  return {
    allowedHosts: allowed.map((host) => host.toLowerCase()),
    secret: readSecret(flat, home, file),
    requestTimeoutMs: int('api.webhooks.request-timeout', 10_000),
    maxAgeMs: int('api.webhooks.max-age', DAY_MS),
    retryBaseDelayMs: int('api.webhooks.retry-base-delay', 5000),
    retryMaxDelayMs: int('api.webhooks.retry-max-delay', 3_600_000),
    pollIntervalMs: int('api.webhooks.poll-interval', 1000),
  };
}

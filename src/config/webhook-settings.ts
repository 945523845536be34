import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors';
import { settingOr } from './setting-declarations';
import { MIN_SECRET_CHARS } from './setting-declarations/webhooks-settings';
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
  const allowed = settingOr<string[]>(flat, 'api.webhooks.allowed-hosts');
  return {
    allowedHosts: allowed.map((host) => host.toLowerCase()),
    secret: readSecret(flat, home, file),
    requestTimeoutMs: settingOr<number>(flat, 'api.webhooks.request-timeout'),
    maxAgeMs: settingOr<number>(flat, 'api.webhooks.max-age'),
    retryBaseDelayMs: settingOr<number>(flat, 'api.webhooks.retry-base-delay'),
    retryMaxDelayMs: settingOr<number>(flat, 'api.webhooks.retry-max-delay'),
    pollIntervalMs: settingOr<number>(flat, 'api.webhooks.poll-interval'),
  };
}

/** A service's result cache (Damson's `cache` key): absent or `false` means never cached. */
export interface CachePolicy {
  /** A completed job older than this is not reused; null: as long as the job is kept. */
  maxAgeMs: number | null;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** `7d`, `12h`, `30m`, `45s` (or a whole number of seconds). */
export const DURATION_PATTERN = '^[0-9]{1,9}(s|m|h|d)$';

/** The JSON-schema of the `cache` key, merged into the service file schema. */
export const cacheSchema = {
  anyOf: [
    { type: 'boolean' },
    {
      type: 'object',
      additionalProperties: false,
      properties: {
        'max-age': {
          anyOf: [
            { type: 'integer', minimum: 1 },
            { type: 'string', pattern: DURATION_PATTERN },
          ],
          expected: 'a duration such as 7d, 12h, 30m or 45s (or whole seconds)',
        },
      },
    },
  ],
  expected: 'true, false, or {max-age: <duration such as 7d>}',
} as const;

/** Reads a `cache` value the schema has accepted. */
export function cachePolicy(value: unknown): CachePolicy | null {
  if (value === true) return { maxAgeMs: null };
  if (!value || typeof value !== 'object') return null;
  const maxAge = (value as Record<string, unknown>)['max-age'];
  if (typeof maxAge === 'number') return { maxAgeMs: maxAge * 1000 };
  if (typeof maxAge === 'string') {
    const amount = Number(maxAge.slice(0, -1));
    return { maxAgeMs: amount * UNIT_MS[maxAge.slice(-1)] };
  }
  return { maxAgeMs: null };
}

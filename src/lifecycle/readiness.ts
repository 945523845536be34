/** One readiness condition: null when it holds, otherwise why not (shown to the caller: no paths). */
export type ReadinessCheck = () => Promise<string | null>;

export interface Readiness {
  ready: boolean;
  /** Check name → why it failed; only failed checks. */
  reasons: Record<string, string>;
}

/**
 * Runs every check at once, each bounded by `timeoutMs` (a hung store answers "no" in time, so a
 * load balancer's probe never hangs).
 */
export async function checkReadiness(
  checks: Record<string, ReadinessCheck>,
  timeoutMs: number,
): Promise<Readiness> {
  const reasons: Record<string, string> = Object.create(null) as Record<string, string>;
  await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      const reason = await withTimeout(check, timeoutMs);
      if (reason !== null) reasons[name] = reason;
    }),
  );
  return { ready: Object.keys(reasons).length === 0, reasons };
}

async function withTimeout(check: ReadinessCheck, timeoutMs: number): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
  });
  try {
    return await Promise.race([check().catch((error: unknown) => failure(error)), late]);
  } finally {
    clearTimeout(timer);
  }
}

function failure(error: unknown): string {
  // Only the class of failure: driver messages can name hosts and paths.
  const name = error instanceof Error ? error.name : 'Error';
  return name === 'StoreUnavailableError' ? 'the job store is unreachable' : `failed (${name})`;
}

/** The checks every process shares: the store answers a ping. */
export function storeReachable(ping: () => Promise<void>): ReadinessCheck {
  return async () => {
    try {
      await ping();
      return null;
    } catch {
      return 'the job store is unreachable';
    }
  };
}

/** The scheduler's heartbeat is recent: written within three heartbeat intervals. */
export function schedulerHeard(
  lastHeartbeat: () => Promise<{ at: Date } | null>,
  heartbeatIntervalMs: number,
  now: () => number = Date.now,
): ReadinessCheck {
  return async () => {
    const beat = await lastHeartbeat();
    if (!beat) return 'no scheduler has ever been heard from';
    const silentMs = now() - beat.at.getTime();
    return silentMs > 3 * heartbeatIntervalMs
      ? `no scheduler heard from for ${Math.round(silentMs / 1000)} s (three heartbeats: ${(3 * heartbeatIntervalMs) / 1000} s)`
      : null;
  };
}

/** Every service file loaded (an unreadable directory or a service with no version serving). */
export function servicesLoaded(loadFailures: () => string[]): ReadinessCheck {
  return async () => {
    const failures = loadFailures();
    return failures.length ? failures.slice(0, 20).join('; ') : null;
  };
}

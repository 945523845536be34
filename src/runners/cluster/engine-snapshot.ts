import type { ClusterEngine, EngineJob, EngineView } from './cluster-engine';
import type { ToolHealth } from './tool-health';

export interface AttemptRef {
  name: string;
  engineId: string | null;
}

/** What the engine says about a set of attempts at one moment. */
export interface EngineSnapshot {
  /** The engine's entry for the attempt, matched by id and name (ids are reused after a reset). */
  listed(attempt: AttemptRef): EngineJob | undefined;
  /** Accounting for the attempts the engine no longer lists. */
  accounting: Map<string, EngineView>;
}

/**
 * One listing call for all attempts (an attempt whose id was lost is found by its name and
 * `found` is told), then one accounting call for those no longer listed. A failed listing is
 * thrown; failed accounting only counts as a tool failure (the attempts simply wait longer).
 */
export async function snapshotEngine(
  engine: ClusterEngine,
  attempts: AttemptRef[],
  health: ToolHealth,
  found: (attempt: AttemptRef, engineId: string) => void,
): Promise<EngineSnapshot> {
  const listing = await engine.list();
  health.succeeded();
  const byName = new Map([...listing.values()].map((j) => [j.name, j]));
  for (const attempt of attempts) {
    const entry = attempt.engineId === null ? byName.get(attempt.name) : undefined;
    if (entry) found(attempt, entry.id);
  }
  const listed = (attempt: AttemptRef): EngineJob | undefined => {
    const entry = attempt.engineId === null ? undefined : listing.get(attempt.engineId);
    return entry && entry.name === attempt.name ? entry : undefined;
  };
  const missing = attempts.filter((a) => a.engineId !== null && !listed(a));
  let accounting = new Map<string, EngineView>();
  try {
    accounting = await engine.postMortem(missing.map((a) => a.engineId!));
  } catch (error) {
    health.failed(error as Error);
  }
  return { listed, accounting };
}

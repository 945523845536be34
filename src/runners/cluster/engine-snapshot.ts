import type { ClusterEngine, EngineJob, EngineView } from './cluster-engine';
import type { ToolHealth } from './tool-health';

export interface AttemptRef {
  name: string;
  engineId: string | null;
}

/** The engine's entry for an attempt, matched by id and name (ids are reused after a reset). */
export type ListedLookup = (attempt: AttemptRef) => EngineJob | undefined;

/**
 * One listing call for all attempts; an attempt whose id was lost is found by its name and `found`
 * is told. A failed listing is thrown.
 */
export async function listAttempts(
  engine: ClusterEngine,
  attempts: AttemptRef[],
  health: ToolHealth,
  found: (attempt: AttemptRef, engineId: string) => void,
): Promise<ListedLookup> {
  const listing = await engine.list();
  health.succeeded();
  const byName = new Map([...listing.values()].map((j) => [j.name, j]));
  for (const attempt of attempts) {
    const entry = attempt.engineId === null ? byName.get(attempt.name) : undefined;
    if (entry) found(attempt, entry.id);
  }
  return (attempt) => {
    const entry = attempt.engineId === null ? undefined : listing.get(attempt.engineId);
    return entry && entry.name === attempt.name ? entry : undefined;
  };
}

/**
 * One accounting call for the attempts that ended in the engine, or left it, without an exit
 * record (the usual job has one and costs nothing here). A failure only counts as a tool failure:
 * those attempts wait for the next poll.
 */
export async function accountingFor(
  engine: ClusterEngine,
  engineIds: string[],
  health: ToolHealth,
): Promise<Map<string, EngineView>> {
  try {
    return await engine.postMortem(engineIds);
  } catch (error) {
    health.failed(error as Error);
    return new Map();
  }
}

export interface ShareCandidate {
  service: string;
  /** Jobs of this service that could be claimed now. */
  due: number;
  /** Jobs of this service holding slots now. */
  running: number;
  weight: number;
}

/**
 * Splits free slots between competing services in proportion to their weights: each slot goes to
 * the service furthest below its share, counting the slots it already holds (weighted fair share).
 */
export function allocateSlots(free: number, candidates: ShareCandidate[]): Map<string, number> {
  const given = new Map<string, number>(candidates.map((c) => [c.service, 0]));
  for (let slot = 0; slot < free; slot++) {
    let best: ShareCandidate | null = null;
    let bestLoad = Infinity;
    for (const c of candidates) {
      const g = given.get(c.service)!;
      if (g >= c.due) continue;
      const load = (c.running + g) / c.weight;
      if (load < bestLoad) {
        best = c;
        bestLoad = load;
      }
    }
    if (!best) break;
    given.set(best.service, given.get(best.service)! + 1);
  }
  for (const [service, n] of given) if (n === 0) given.delete(service);
  return given;
}

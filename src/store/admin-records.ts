/**
 * What an administrator has set (paused services and runner kinds, agents to drain) and what the
 * scheduler publishes about its agents, kept in the store so every process and every restart sees
 * the same. Both stores implement it (src/store/sqlite, src/store/mongodb).
 */

/** A service id, or a runner kind (`local`, `slurm`, `gridengine`). */
export type PauseTargetKind = 'service' | 'runner';

export interface PauseRecord {
  kind: PauseTargetKind;
  name: string;
  /** Shown to clients in the reason of each waiting job; null when the admin gave none. */
  reason: string | null;
  /** The API token name that paused it. */
  pausedBy: string;
  pausedAt: Date;
}

export interface DrainRecord {
  agent: string;
  requestedBy: string;
  requestedAt: Date;
}

/** One agent as the scheduler last published it. */
export interface AgentRecord {
  name: string;
  kinds: string[];
  slots: number;
  /** Slots taken (jobs and service test runs). */
  busy: number;
  /** The jobs the agent holds (dispatched or running, not finished). */
  jobIds: string[];
  lastHeardAt: Date;
  /** When the scheduler wrote this record. */
  publishedAt: Date;
}

export interface AdminRecords {
  /** Pauses (or re-pauses with a new reason); returns false when it was paused already. */
  pause(record: PauseRecord): Promise<boolean>;
  /** Returns false when it was not paused. */
  resume(kind: PauseTargetKind, name: string): Promise<boolean>;
  listPauses(): Promise<PauseRecord[]>;
  /** Returns false when a drain was requested already (the first request is kept). */
  drain(record: DrainRecord): Promise<boolean>;
  /** Ends a drain: the agent takes jobs again. Returns false when none was requested. */
  undrain(agent: string): Promise<boolean>;
  listDrains(): Promise<DrainRecord[]>;
  /** Upserts each agent by name; the others are left as they were (a lost agent stays listed). */
  saveAgents(agents: AgentRecord[]): Promise<void>;
  /** Removes records last published before `cutoff`; returns how many. */
  forgetAgentsBefore(cutoff: Date): Promise<number>;
  /** By name. */
  listAgents(): Promise<AgentRecord[]>;
}

/**
 * The runner kinds, in one place: each kind of agent, the runner types of service files it runs
 * (slivka's classes and Damson's short names), and whether a cluster engine holds its jobs. Every
 * other list of kinds or runner types (the schema's, the settings', the admin API's, the units
 * `damson init` writes, the agents `damson agent --kind` starts) is derived from this one.
 */
export const RUNNER_KIND_REGISTRY = {
  local: { runnerTypes: ['ShellRunner', 'SlivkaQueueRunner', 'local'], cluster: false },
  slurm: { runnerTypes: ['SlurmRunner', 'slurm'], cluster: true },
  gridengine: { runnerTypes: ['GridEngineRunner', 'gridengine'], cluster: true },
} as const;

export type RunnerKind = keyof typeof RUNNER_KIND_REGISTRY;

/** Kinds whose jobs a cluster engine holds (they outlive their agent). */
export type ClusterKind = {
  [K in RunnerKind]: (typeof RUNNER_KIND_REGISTRY)[K]['cluster'] extends true ? K : never;
}[RunnerKind];

/** The kinds of agent: each executes the runner types the registry maps to it. */
export const RUNNER_KINDS = Object.keys(RUNNER_KIND_REGISTRY) as readonly RunnerKind[];

export const CLUSTER_KINDS = RUNNER_KINDS.filter(
  (kind) => RUNNER_KIND_REGISTRY[kind].cluster,
) as readonly ClusterKind[];

/** slivka runner types (and Damson's short names) to the agent kind that executes them. */
const KIND_OF_TYPE: ReadonlyMap<string, RunnerKind> = new Map(
  RUNNER_KINDS.flatMap((kind) =>
    RUNNER_KIND_REGISTRY[kind].runnerTypes.map((type) => [type, kind] as const),
  ),
);

/** Every runner type Damson runs, in the registry's order. */
export const SUPPORTED_RUNNER_TYPES: readonly string[] = [...KIND_OF_TYPE.keys()];

export function runnerKind(type: string): RunnerKind | undefined {
  return KIND_OF_TYPE.get(type);
}

export function isRunnerKind(name: string): name is RunnerKind {
  return Object.hasOwn(RUNNER_KIND_REGISTRY, name);
}

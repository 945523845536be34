/** The kinds of agent: each executes the runner types mapped to it below. */
export const RUNNER_KINDS = ['local', 'slurm', 'gridengine'] as const;

/** slivka runner types (and Damson's short names) to the agent kind that executes them. */
const KINDS: Record<string, string> = {
  ShellRunner: 'local',
  SlivkaQueueRunner: 'local',
  local: 'local',
  SlurmRunner: 'slurm',
  slurm: 'slurm',
  GridEngineRunner: 'gridengine',
  gridengine: 'gridengine',
};

export function runnerKind(type: string): string | undefined {
  return Object.hasOwn(KINDS, type) ? KINDS[type] : undefined;
}

import { splitWords } from '../../services/command/split-words';

/** slivka's runner parameter holding extra submit options, per engine. */
export const ARGS_PARAMETER = { slurm: 'sbatchargs', gridengine: 'qargs' } as const;

/**
 * The runner's extra submit options (`sbatchargs` for SLURM, `qargs` for Grid Engine) as argv
 * words: a string is split like a shell would (quotes group words, nothing is expanded), a list is
 * taken word for word, as slivka does. They go to the submit command, never to a shell. Other
 * parameters are ignored here (`damson check` warns about them when the service loads).
 */
export function runnerArgs(
  kind: keyof typeof ARGS_PARAMETER,
  parameters: Record<string, unknown>,
): string[] {
  const name = ARGS_PARAMETER[kind];
  const value = parameters[name];
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return splitWords(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return [...value];
  throw new Error(`runner parameter '${name}' must be a string or a list of strings`);
}

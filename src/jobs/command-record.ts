/**
 * What a job ran: its argv and the NAMES of its environment variables. Values are left out on
 * purpose: an administrator's `env` may hold credentials, and the record is shown to whoever may
 * read the job. slivka wrote the command line to `.command` in the job directory; Damson writes
 * this record there as JSON.
 */
export interface CommandRecord {
  argv: string[];
  /** Environment variable names, sorted. */
  env: string[];
}

/** The record's file, in the job directory. */
export const COMMAND_RECORD_FILE = '.command.json';

export function commandRecord(
  argv: readonly string[],
  env: Readonly<Record<string, string>>,
): CommandRecord {
  return { argv: [...argv], env: Object.keys(env).sort() };
}

/** A record read back from disk, or null when it is not one (a job directory is not trusted). */
export function parseCommandRecord(text: string): CommandRecord | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!value || typeof value !== 'object') return null;
  const { argv, env } = value as Record<string, unknown>;
  const strings = (list: unknown): list is string[] =>
    Array.isArray(list) && list.every((item) => typeof item === 'string');
  return strings(argv) && strings(env) ? { argv, env } : null;
}

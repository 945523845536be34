import path from 'node:path';

/** Where one attempt of a cluster job keeps its script and records, inside the job directory. */
export interface AttemptFiles {
  directory: string;
  /** Written by the script when the tool starts: the engine's job id. */
  started: string;
  /** Written by the script when the tool ends: its exit status. The final word on how it ended. */
  exit: string;
  /** The engine's own output for the script (not the tool's): scheduler messages land here. */
  engineOutput: string;
}

export const RECORDS_DIRECTORY = '.damson';

export function attemptFiles(cwd: string, fencingToken: number): AttemptFiles {
  const directory = path.join(cwd, RECORDS_DIRECTORY);
  return {
    directory,
    started: path.join(directory, `started-${fencingToken}`),
    exit: path.join(directory, `exit-${fencingToken}`),
    engineOutput: path.join(directory, `engine-${fencingToken}.log`),
  };
}

/** Names the engine shows: ties an engine job to one attempt of one Damson job. */
export function engineJobName(jobId: string, fencingToken: number): string {
  return `damson-${jobId}-${fencingToken}`;
}

export function parseEngineJobName(name: string): { jobId: string; fencingToken: number } | null {
  const match = /^damson-([A-Za-z0-9_-]+)-(\d+)$/.exec(name);
  return match ? { jobId: match[1], fencingToken: Number(match[2]) } : null;
}

/**
 * One POSIX shell word holding exactly `value`. Inside single quotes the shell gives every byte its
 * literal meaning (newlines, `$`, backquotes, backslashes included); only the single quote itself
 * ends the quoting, so each one is written as quote, escaped quote, quote.
 */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new Error('a NUL character cannot be passed to a program');
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * Control characters, newlines included: sbatch refuses a script with \r, and a value's line must
 * never begin a script line that an engine could read as a directive (`#SBATCH`, `#$`).
 */
// eslint-disable-next-line no-control-regex
const NEEDS_ENCODING = /[\x00-\x1f\x7f]/;

/**
 * Shell lines that set `variable` to exactly `value`. A value with control characters is written
 * as octal escapes in a printf format (plain ASCII in the script) and decoded when the job runs;
 * `_` sentinels keep trailing newlines (command substitution strips them) and keep a leading `-`
 * from being read as an option of printf.
 */
export function assignExactly(variable: string, value: string): string {
  if (!NEEDS_ENCODING.test(value)) return `${variable}=${shellQuote(value)}`;
  if (value.includes('\0')) throw new Error('a NUL character cannot be passed to a program');
  let format = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const plain = byte >= 0x20 && byte < 0x7f && !"'\\%".includes(String.fromCharCode(byte));
    format += plain ? String.fromCharCode(byte) : `\\${byte.toString(8).padStart(3, '0')}`;
  }
  return `${variable}=$(printf '_${format}_'); ${variable}=\${${variable}#_}; ${variable}=\${${variable}%_}`;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface JobScriptSpec {
  jobId: string;
  fencingToken: number;
  cwd: string;
  argv: string[];
  env: Record<string, string>;
  /** The variable holding the engine's job id inside a running job (SLURM_JOB_ID, JOB_ID). */
  engineIdVariable: string;
}

/**
 * The script the engine runs. Every value from a service, a runner or a user is a single-quoted
 * word, so the shell never expands, splits or runs any of it. The configured environment is
 * exported over the engine's own; the tool's stdout and stderr go to `stdout` and `stderr`.
 */
export function renderJobScript(spec: JobScriptSpec): string {
  if (spec.argv.length === 0) throw new Error('the command is empty');
  if (!ENV_NAME.test(spec.engineIdVariable)) throw new Error('bad engine id variable');
  const files = attemptFiles(spec.cwd, spec.fencingToken);
  const lines = [
    '#!/bin/sh',
    `# Damson job ${spec.jobId}, attempt ${spec.fencingToken}. Generated; every value is quoted.`,
    `cd ${shellQuote(spec.cwd)} || exit 120`,
  ];
  for (const [name, value] of Object.entries(spec.env)) {
    if (!ENV_NAME.test(name)) throw new Error(`environment variable name '${name}' is not valid`);
    lines.push(`${assignExactly(name, value)}; export ${name}`);
  }
  // Each argument is set in an unexported variable first, then passed as one quoted word.
  const words = spec.argv.map((value, i) => {
    if (!NEEDS_ENCODING.test(value)) return shellQuote(value);
    lines.push(assignExactly(`damson_arg_${i}`, value));
    return `"$damson_arg_${i}"`;
  });
  const started = shellQuote(files.started);
  const exit = shellQuote(files.exit);
  lines.push(
    `printf '%s\\n' "\${${spec.engineIdVariable}:-}" > ${started}.tmp && mv -f ${started}.tmp ${started}`,
    `${words.join(' ')} </dev/null >stdout 2>stderr`,
    'status=$?',
    `printf '%s\\n' "$status" > ${exit}.tmp && mv -f ${exit}.tmp ${exit}`,
    'exit "$status"',
    '',
  );
  return lines.join('\n');
}

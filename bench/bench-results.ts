import { appendFileSync, existsSync, writeFileSync } from 'node:fs';

/**
 * `npm run bench` keeps its results in one dated file (bench/results.md), so the docs state goals
 * and how to run a benchmark, and the measured figures, which follow the machine, live with their
 * date, commit and machine state instead of ageing silently in the docs.
 */
export interface SuiteOutcome {
  suite: string;
  /** The exit status, or the signal that ended it. */
  status: number | string;
  output: string;
}

export interface BenchEntry {
  date: Date;
  commit: string;
  /** One line about the machine: Node, cores, load average. */
  machine: string;
  suites: SuiteOutcome[];
}

/** Lines kept from the end of a suite's output: its summary, not every interleaved run. */
export const SUMMARY_LINES = 40;

const HEADER =
  '# Benchmark results\n\n' +
  "Dated entries appended by `npm run bench` (bench/run.ts): the end of each suite's output.\n" +
  'Goals and how to run each benchmark are in the docs; ratios to the baselines measured in the\n' +
  'same run are the fair reading, since absolute figures follow the machine.\n';

/** The last `SUMMARY_LINES` non-empty lines of a suite's output, without terminal escapes. */
export function summaryOf(output: string): string {
  const lines = output
    // eslint-disable-next-line no-control-regex
    .replace(/\u001b\[[0-9;]*[A-Za-z]/g, '')
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '');
  return lines.slice(-SUMMARY_LINES).join('\n');
}

export function formatEntry(entry: BenchEntry): string {
  const parts = [
    `\n## ${entry.date.toISOString().slice(0, 16).replace('T', ' ')} UTC, commit ${entry.commit}\n`,
    `\n${entry.machine}\n`,
  ];
  for (const { suite, status, output } of entry.suites) {
    const ended = status === 0 ? '' : ` (exited with ${status})`;
    // A fence longer than any backtick run in the output, so no output can close it early.
    const longest = Math.max(2, ...(output.match(/`+/g) ?? []).map((run) => run.length));
    const fence = '`'.repeat(longest + 1);
    parts.push(`\n### ${suite}${ended}\n\n${fence}text\n${summaryOf(output)}\n${fence}\n`);
  }
  return parts.join('');
}

/** Appends one entry, creating the file with its header if it does not exist. */
export function appendBenchEntry(file: string, entry: BenchEntry): void {
  if (!existsSync(file)) writeFileSync(file, HEADER);
  appendFileSync(file, formatEntry(entry));
}

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { appendBenchEntry, SUMMARY_LINES, summaryOf } from '../../bench/bench-results';

describe('bench/results.md entries', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'damson-bench-results-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('appends dated entries under one header, each suite fenced, a failure marked', () => {
    const file = path.join(dir, 'results.txt');
    const entry = (day: number, output: string, status: number | string) => ({
      date: new Date(Date.UTC(2026, 11, day, 9, 30)),
      commit: 'abc1234',
      machine: 'Node v20, 2 cores',
      suites: [{ suite: 'http-api', status, output }],
    });
    appendBenchEntry(file, entry(1, '{"ratio":0.9}\n', 0));
    // Output holding a fence of its own cannot close the entry's fence.
    appendBenchEntry(file, entry(2, 'before\n```\nafter\n', 'SIGKILL'));
    const text = readFileSync(file, 'utf8');
    expect(text.match(/^# Benchmark results$/gm)).toHaveLength(1);
    expect(text).toContain('## 2026-12-01 09:30 UTC, commit abc1234');
    expect(text).toContain('### http-api\n\n```text\n{"ratio":0.9}\n```\n');
    expect(text).toContain('## 2026-12-02 09:30 UTC, commit abc1234');
    expect(text).toContain(
      '### http-api (exited with SIGKILL)\n\n````text\nbefore\n```\nafter\n````\n',
    );
    expect(text.indexOf('2026-12-01')).toBeLessThan(text.indexOf('2026-12-02'));
  });

  test('a summary is the last lines of the output, without blank lines or terminal escapes', () => {
    const lines = Array.from({ length: SUMMARY_LINES + 10 }, (_, i) => `line ${i}`);
    const summary = summaryOf(`\u001b[32m${lines.join('\n\n')}\u001b[0m\n`).split('\n');
    expect(summary).toHaveLength(SUMMARY_LINES);
    expect(summary[0]).toBe('line 10');
    expect(summary.at(-1)).toBe(`line ${SUMMARY_LINES + 9}`);
  });
});

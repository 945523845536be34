import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeDamsonHome, REPO_ROOT } from '../helpers/damson-home';
import { startDamson, type RunningDamson } from '../helpers/damson-process';
import { CLI_SERVICES, clientDirectories, JOBS_BIN } from '../helpers/jobs-cli';
import { waitFor } from '../helpers/wait-for';

jest.setTimeout(120_000);

/**
 * A person at a terminal, under tmux: `submit` with a 20 MB file draws a moving upload bar,
 * `wait last` a live state line up to COMPLETED, `download last` a moving download bar. The
 * pane's raw output (pipe-pane) shows every frame; capture-pane the screen as seen. Both are
 * saved under artifacts/jobs-cli-terminal/.
 */
const ARTIFACTS = path.join(REPO_ROOT, 'artifacts', 'jobs-cli-terminal');
const SOCKET = `damson-jobs-${process.pid}`;
const tmux = (...args: string[]): string =>
  execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });

let damson: RunningDamson;
let work: string;
let rawLog: string;

beforeAll(async () => {
  const home = await makeDamsonHome({}, CLI_SERVICES);
  damson = await startDamson(home, ['start'], 60_000);
  work = path.join(home.home, 'terminal');
  mkdirSync(work);
  mkdirSync(ARTIFACTS, { recursive: true });
  rawLog = path.join(work, 'pane.raw');
  const dirs = clientDirectories();
  const env = { DAMSON_URL: home.baseUrl, ...dirs, TERM: 'xterm-256color', PS1: '$ ' };
  tmux(
    'new-session',
    '-d',
    '-s',
    'cli',
    '-x',
    '110',
    '-y',
    '30',
    ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
    'bash --norc --noprofile',
  );
  tmux('pipe-pane', '-t', 'cli', '-o', `cat >> ${rawLog}`);
  writeFileSync(path.join(work, 'big.bin'), randomBytes(20 * 1024 * 1024));
  tmux('send-keys', '-t', 'cli', `cd ${work} && alias dj="node ${JOBS_BIN}"`, 'Enter');
});

afterAll(async () => {
  try {
    tmux('kill-server');
  } catch {
    // already gone
  }
  await damson?.stop();
});

const raw = (): string => (existsSync(rawLog) ? readFileSync(rawLog, 'latin1') : '');

/** Types a command, waits for its `EXIT:<code>` marker, saves the raw frames and the screen. */
async function run(
  name: string,
  command: string,
): Promise<{ frames: string; screen: string; code: number }> {
  const before = raw().length;
  const marker = `EXIT-${name}:`;
  tmux('send-keys', '-t', 'cli', `${command}; echo ${marker}$?`, 'Enter');
  const code = await waitFor(
    async () => {
      const match = new RegExp(`${marker}(\\d+)`).exec(raw().slice(before));
      return match ? Number(match[1]) : undefined;
    },
    `${name} to finish`,
    60_000,
    100,
  );
  const frames = raw().slice(before);
  const screen = tmux('capture-pane', '-t', 'cli', '-p');
  writeFileSync(path.join(ARTIFACTS, `${name}.frames.txt`), frames);
  writeFileSync(path.join(ARTIFACTS, `${name}.screen.txt`), screen);
  return { frames, screen, code };
}

/** The percentages a progress bar drew, in order (frames are separated by carriage returns). */
const percentages = (frames: string): number[] =>
  [...frames.matchAll(/\[[=-]{30}\] (\d{1,3})%/g)].map((m) => Number(m[1]));

describe('damson jobs in a terminal (tmux)', () => {
  it('submit a 20 MB file, wait last to COMPLETED, download last, each with live displays', async () => {
    const submit = await run('submit', 'dj submit tool input=@big.bin lines=12 delay=400');
    expect(submit.code).toBe(0);
    const uploaded = percentages(submit.frames);
    // A moving bar: several frames, never going back, ending full.
    expect(new Set(uploaded).size).toBeGreaterThanOrEqual(2);
    expect(uploaded).toEqual([...uploaded].sort((a, b) => a - b));
    expect(uploaded.at(-1)).toBe(100);
    expect(submit.frames).toMatch(/upload \[/);
    const id = /^([A-Za-z0-9_-]{16})\r?$/m.exec(submit.screen)?.[1];
    expect(id).toBeDefined();

    const wait = await run('wait', 'dj wait last --interval 0.2');
    expect(wait.code).toBe(0);
    // The live line redrew itself while the job ran, then ended on COMPLETED.
    const states = [
      ...wait.frames.matchAll(new RegExp(`${id} +(?:\\x1b\\[\\d+m)?([A-Z]+)`, 'g')),
    ].map((m) => m[1]);
    expect(states.length).toBeGreaterThanOrEqual(2);
    expect(states).toContain('RUNNING');
    expect(states.at(-1)).toBe('COMPLETED');
    expect(wait.screen).toMatch(new RegExp(`${id}\\s+COMPLETED`));
    // Colour only on the terminal: COMPLETED in green.
    expect(wait.frames).toContain('\u001b[32mCOMPLETED');

    const download = await run('download', 'dj download last got');
    expect(download.code).toBe(0);
    const downloaded = percentages(download.frames);
    expect(new Set(downloaded).size).toBeGreaterThanOrEqual(2);
    expect(downloaded.at(-1)).toBe(100);
    expect(download.frames).toMatch(/copy\.bin \[/);
    expect(download.screen).toMatch(/copy\.bin\s+20971520 bytes/);
    expect(
      readFileSync(path.join(work, 'got', 'copy.bin')).equals(
        readFileSync(path.join(work, 'big.bin')),
      ),
    ).toBe(true);
  });
});

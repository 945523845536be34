import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * `node dist/bench/cpu-profile-share.js <file.cpuprofile> <seconds> <source file>...`: the share
 * of a V8 CPU profile's busy samples (not idle) in its last `seconds` before the last sample of
 * the named source files that were taken inside those files (anywhere on the stack), or in the
 * deferred socket writes they cause (`connectionCorkNT`). With `npm run bench:live-output` at
 * BENCH_REPEAT=1 and BENCH_CPU_PROFILE_DIR set, `5 file-feed.js feed-subscriber.js` gives the
 * part of the server's own CPU that the output tails took in the window they were open: a figure
 * that depends much less on the machine's other load than the rates do.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

function main(): void {
  const [file, secondsText, ...sources] = process.argv.slice(2);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const inSources = new Map<number, boolean>();
  const counted = (id: number): boolean => {
    const known = inSources.get(id);
    if (known !== undefined) return known;
    const frame = nodes.get(id)?.callFrame;
    const here =
      frame !== undefined &&
      (sources.includes(path.basename(frame.url)) || frame.functionName === 'connectionCorkNT');
    const up = parent.get(id);
    const result = here || (up !== undefined && counted(up));
    inSources.set(id, result);
    return result;
  };
  let at = profile.startTime;
  const samples = profile.samples.map((id, i) => {
    at += profile.timeDeltas[i];
    return { id, at };
  });
  const last = Math.max(...samples.filter((s) => counted(s.id)).map((s) => s.at));
  const window = samples.filter((s) => s.at >= last - Number(secondsText) * 1e6 && s.at <= last);
  const busy = window.filter((s) => nodes.get(s.id)?.callFrame.functionName !== '(idle)');
  const share = busy.filter((s) => counted(s.id)).length / busy.length;
  console.log(
    JSON.stringify({ busySamples: busy.length, share: Math.round(share * 1000) / 1000, sources }),
  );
}

main();

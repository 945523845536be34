import { writeFile } from 'node:fs/promises';
import fc from 'fast-check';
import { MAX_JSON_DEPTH } from '../../src/services/media-types/json-syntax';
import {
  checkJson,
  checkYaml,
  MAX_YAML_BYTES,
  stopYamlWorker,
} from '../../src/services/media-types/structured-text';
import { YAML_TIMEOUT_MS, YamlWorkerPool } from '../../src/services/media-types/yaml-worker';
import { mediaTypeFixtures } from '../helpers/media-type-fixtures';

const { fixturePath } = mediaTypeFixtures();

describe('audit F5: structured text never holds the event loop', () => {
  const MIB = 1024 * 1024;
  afterAll(() => stopYamlWorker());

  /** Runs `work` while measuring how late a 10 ms interval fires: the event loop's longest stall. */
  async function withLagProbe<T>(work: () => Promise<T>): Promise<{ result: T; maxLagMs: number }> {
    let maxLagMs = 0;
    let last = performance.now();
    const probe = setInterval(() => {
      const now = performance.now();
      maxLagMs = Math.max(maxLagMs, now - last - 10);
      last = now;
    }, 10);
    try {
      const result = await work();
      return { result, maxLagMs };
    } finally {
      clearInterval(probe);
    }
  }

  it('fast-check: the streaming JSON check agrees with JSON.parse, wherever pieces end', async () => {
    const mutated = fc
      .tuple(
        fc.json(),
        fc.array(
          fc.tuple(
            fc.nat(),
            fc.constantFrom(
              '',
              '"',
              ',',
              ':',
              '[',
              ']',
              '{',
              '}',
              '-',
              '0',
              '1',
              '.',
              'e',
              'E',
              '+',
              '\\',
              'u',
              'n',
              't',
              ' ',
              '\u0001',
              '\n',
              'x',
            ),
          ),
          { maxLength: 3 },
        ),
      )
      .map(([json, edits]) => {
        let text = json;
        for (const [at, insert] of edits) {
          const i = at % (text.length + 1);
          text =
            insert === ''
              ? text.slice(0, i) + text.slice(i + 1)
              : text.slice(0, i) + insert + text.slice(i);
        }
        return text;
      });
    await fc.assert(
      fc.asyncProperty(mutated, fc.boolean(), async (text, padded) => {
        // Padding puts the document across the 64 KiB piece boundary.
        const content = Buffer.from((padded ? ' '.repeat(65_530) : '') + text);
        let parses = true;
        try {
          JSON.parse(text);
        } catch {
          parses = false;
        }
        expect((await checkJson(content)).ok).toBe(parses);
      }),
      { numRuns: 400 },
    );
  });

  it('JSON: depth is capped, and a 24 MiB array is checked a piece at a time', async () => {
    expect(
      await checkJson(Buffer.from('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH))),
    ).toEqual({ ok: true });
    const deep = await checkJson(Buffer.from('['.repeat(MAX_JSON_DEPTH + 1)));
    expect(deep).toEqual({
      ok: false,
      reason: `not a JSON file: line 1, column ${MAX_JSON_DEPTH + 1}: nested deeper than ${MAX_JSON_DEPTH} levels`,
    });
    const file = fixturePath('large.json');
    await writeFile(file, `[${'1,'.repeat(12 * MIB)}1]`);
    const { result, maxLagMs } = await withLagProbe(() => checkJson(file));
    expect(result).toEqual({ ok: true });
    expect(maxLagMs).toBeLessThan(200);
  }, 120_000);

  it('YAML: a file over MAX_YAML_BYTES is refused unread, naming the limit', async () => {
    const file = fixturePath('large.yaml');
    // The audit's 30 MiB YAML crashed the server.
    await writeFile(file, `[${'1, '.repeat(10 * MIB)}1]`);
    const { result, maxLagMs } = await withLagProbe(() => checkYaml(file));
    expect(result).toEqual({
      ok: false,
      reason: `a YAML file of ${30 * MIB + 3} bytes is larger than the 4 MiB limit for YAML validation`,
    });
    expect(maxLagMs).toBeLessThan(200);
    expect(MAX_YAML_BYTES).toBe(4 * MIB);
  });

  it('YAML: a hostile flow sequence under the cap is refused or accepted off the event loop', async () => {
    const file = fixturePath('flow.yaml');
    await writeFile(file, `[${'1, '.repeat(MAX_YAML_BYTES / 3 - 1)}1]`);
    const started = performance.now();
    const { result, maxLagMs } = await withLagProbe(() => checkYaml(file));
    // Bounded by the worker's time limit, whatever the machine.
    expect(performance.now() - started).toBeLessThan(YAML_TIMEOUT_MS + 5_000);
    expect(maxLagMs).toBeLessThan(200);
    if (!result.ok)
      expect(result.reason).toMatch(
        /^could not be checked as YAML: it (needs more than 128 MiB of memory|takes longer than 15 s)$/,
      );
    // The worker is replaced: the next file is checked as usual.
    expect(await checkYaml(Buffer.from('a: [1, 2]\n'))).toEqual({ ok: true });
  }, 60_000);

  describe('the YAML worker pool', () => {
    const flow = Buffer.from(`[${'1, '.repeat(300_000)}1]`);
    const pools: YamlWorkerPool[] = [];
    const pool = (limits: { heapMb: number; timeoutMs: number; queueLimit: number }) => {
      const made = new YamlWorkerPool(limits);
      pools.push(made);
      return made;
    };
    afterAll(async () => {
      await Promise.all(pools.map((p) => p.close()));
    });

    it('a check that runs out of heap is refused, and the next check gets a new worker', async () => {
      const small = pool({ heapMb: 16, timeoutMs: 60_000, queueLimit: 4 });
      expect(await small.check(flow)).toEqual({
        ok: false,
        detail: 'it needs more than 16 MiB of memory',
        checked: false,
      });
      expect(await small.check(Buffer.from('a: 1\n'))).toEqual({ ok: true });
    }, 60_000);

    it('a check that runs out of time is stopped, and the next check gets a new worker', async () => {
      const hasty = pool({ heapMb: 128, timeoutMs: 100, queueLimit: 4 });
      expect(await hasty.check(flow)).toEqual({
        ok: false,
        detail: 'it takes longer than 0.1 s',
        checked: false,
      });
      hasty['limits'].timeoutMs = 30_000;
      expect(await hasty.check(Buffer.from('- a\n- b\n'))).toEqual({ ok: true });
    }, 60_000);

    it('checks beyond the queue limit are refused at once', async () => {
      const busy = pool({ heapMb: 128, timeoutMs: 30_000, queueLimit: 1 });
      const verdicts = await Promise.all([
        busy.check(Buffer.from('a: 1\n')),
        busy.check(Buffer.from('b: 2\n')),
        busy.check(Buffer.from('c: 3\n')),
      ]);
      expect(verdicts.filter((v) => v.ok)).toHaveLength(2);
      expect(verdicts[2]).toEqual({
        ok: false,
        detail: 'too many YAML files are being checked at the moment; try again shortly',
        checked: false,
      });
    }, 60_000);
  });
});

import fc from 'fast-check';
import {
  JOB_STATES,
  pipelineStatus,
  stepVerdict,
  topologicalOrder,
  type JobState,
  type PipelineStep,
} from '../../src/jobs';
import { parsePipelineRequest } from '../../src/http/pipeline-request';

const step = (name: string, after: string[] = []): PipelineStep => ({
  name,
  service: 's',
  jobId: `${name}-job`,
  after,
  references: [],
});

/** A random graph over steps s0..sN-1: edges from lower to higher index only (a DAG). */
const dag = fc
  .integer({ min: 1, max: 12 })
  .chain((n) =>
    fc.tuple(
      ...Array.from({ length: n }, (_, i) =>
        fc.subarray(Array.from({ length: i }, (_, j) => `s${j}`)),
      ),
    ),
  )
  .map((afters) => afters.map((after, i) => step(`s${i}`, after)));

describe('topologicalOrder', () => {
  it('orders every acyclic graph so each step follows those it reads, whatever the input order', () => {
    fc.assert(
      fc.property(dag, fc.infiniteStream(fc.nat()), (steps, seeds) => {
        const shuffled = [...steps].sort(() => (seeds.next().value % 3) - 1);
        const result = topologicalOrder(shuffled);
        if (!('order' in result)) throw new Error('a DAG was taken for a cycle');
        expect([...result.order].sort()).toEqual(steps.map((s) => s.name).sort());
        const at = new Map(result.order.map((name, i) => [name, i]));
        for (const s of steps)
          for (const up of s.after) expect(at.get(up)!).toBeLessThan(at.get(s.name)!);
      }),
      { numRuns: 200 },
    );
  });

  it('finds a cycle, also one through several steps', () => {
    expect(topologicalOrder([step('a', ['b']), step('b', ['a'])])).toHaveProperty('cycle');
    expect(
      topologicalOrder([step('x'), step('a', ['c', 'x']), step('b', ['a']), step('c', ['b'])]),
    ).toEqual({ cycle: 'a' });
    expect(topologicalOrder([step('a', ['a'])])).toEqual({ cycle: 'a' });
  });
});

describe('stepVerdict', () => {
  const diamond = {
    steps: [step('a'), step('b', ['a']), step('c', ['a']), step('d', ['b', 'c'])],
  };
  const states = (entries: Record<string, JobState>) => new Map(Object.entries(entries));

  it('releases only when every step read COMPLETED', () => {
    const all = { a: 'COMPLETED', b: 'COMPLETED', c: 'RUNNING' } as const;
    expect(stepVerdict(diamond, 'd', states(all))).toEqual({ kind: 'wait' });
    expect(stepVerdict(diamond, 'd', states({ ...all, c: 'COMPLETED' }))).toEqual({
      kind: 'release',
    });
    expect(stepVerdict(diamond, 'a', states({}))).toEqual({ kind: 'release' });
  });

  it('ends a step downstream of a failure, naming the step that failed first', () => {
    // b was itself ended because a failed: d's reason names a, not b.
    const verdict = stepVerdict(diamond, 'd', states({ a: 'FAILED', b: 'DELETED', c: 'QUEUED' }));
    expect(verdict).toEqual({
      kind: 'end',
      reason: "pipeline step 'a' ended FAILED; this step did not run",
    });
    const lost = stepVerdict(diamond, 'b', states({}));
    expect(lost).toMatchObject({ kind: 'end', reason: expect.stringContaining("'a' was lost") });
  });

  it('never releases a step with an unfinished or failed upstream (any states)', () => {
    const state = fc.constantFrom(...JOB_STATES);
    fc.assert(
      fc.property(dag, fc.array(state, { minLength: 12, maxLength: 12 }), (steps, drawn) => {
        const map = new Map(steps.map((s, i) => [s.name, drawn[i]]));
        for (const s of steps) {
          const verdict = stepVerdict({ steps }, s.name, map);
          const ups = s.after.map((u) => map.get(u));
          if (verdict.kind === 'release') expect(ups.every((u) => u === 'COMPLETED')).toBe(true);
          if (ups.every((u) => u === 'COMPLETED')) expect(verdict.kind).toBe('release');
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('pipelineStatus', () => {
  it('is RUNNING until all ended, then COMPLETED or FAILED', () => {
    expect(pipelineStatus(['COMPLETED', 'QUEUED'])).toBe('RUNNING');
    expect(pipelineStatus(['COMPLETED', 'COMPLETED'])).toBe('COMPLETED');
    expect(pipelineStatus(['COMPLETED', 'DELETED'])).toBe('FAILED');
    expect(pipelineStatus(['COMPLETED', undefined])).toBe('FAILED');
  });
});

describe('parsePipelineRequest', () => {
  const codes = (body: unknown): string[] => {
    const parsed = parsePipelineRequest(body);
    return parsed.ok ? [] : parsed.errors.map((e) => e.errorCode);
  };

  it('refuses hostile and malformed bodies with a code, never throwing', () => {
    expect(codes(null)).toEqual(['invalid']);
    expect(codes({ steps: {} })).toEqual(['invalid']);
    expect(codes({ steps: [1] })).toEqual(['invalid']);
    expect(codes({ steps: [{ name: '1a', service: 's' }] })).toEqual(['invalid_name']);
    expect(codes({ steps: [{ name: 'a', service: 7 }] })).toEqual(['invalid_service']);
    expect(codes({ steps: [{ name: 'a', service: 's', parameters: [] }] })).toEqual([
      'invalid_parameters',
    ]);
    const ref = (value: unknown) =>
      codes({ steps: [{ name: 'a', service: 's', parameters: { p: value } }] });
    expect(ref({ from: 'b' })).toEqual(['invalid_value']);
    expect(ref({ from: 'b', output: 'o', x: 1 })).toEqual(['invalid_value']);
    expect(ref({ from: 'b', output: 'o'.repeat(201) })).toEqual(['invalid_value']);
    expect(ref([[1]])).toEqual(['invalid_value']);
    expect(ref(Infinity)).toEqual(['invalid_value']);
    expect(ref([true, 2, 'x', null, { from: 'b', output: 'o' }])).toEqual([]);
  });

  it('keeps __proto__ and constructor as plain parameter names', () => {
    const body = JSON.parse(
      '{"steps": [{"name": "a", "service": "s", "parameters": {"__proto__": "x", "constructor": [1, null]}}]}',
    ) as unknown;
    const parsed = parsePipelineRequest(body);
    if (!parsed.ok) throw new Error('refused');
    expect(parsed.steps[0].parameters.get('__proto__')).toEqual(['x']);
    expect(parsed.steps[0].parameters.get('constructor')).toEqual(['1']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('never throws on any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        parsePipelineRequest(value);
        parsePipelineRequest({ steps: [value] });
        parsePipelineRequest({ steps: [{ name: 'a', service: 's', parameters: value }] });
      }),
      { numRuns: 300 },
    );
  });
});

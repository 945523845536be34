import fc from 'fast-check';
import { parseStartPlan } from '../../src/bin/start-command';

const PLAN = {
  processes: 'combined',
  restartDelayMs: 500,
  maxRestartDelayMs: 30_000,
  stableAfterMs: 60_000,
  logLevel: 'info',
  url: 'http://127.0.0.1:4040/',
  createdKeys: [],
  openLink: false,
};

describe("the supervisor's reading of the start plan", () => {
  it('accepts a whole plan', () => {
    expect(parseStartPlan(JSON.stringify(PLAN))).toEqual(PLAN);
  });

  it.each([
    ['not JSON', '{"processes":'],
    ['null', 'null'],
    ['an unknown layout', JSON.stringify({ ...PLAN, processes: 'threads' })],
    ['a negative delay', JSON.stringify({ ...PLAN, restartDelayMs: -1 })],
    ['a delay as text', JSON.stringify({ ...PLAN, stableAfterMs: '60000' })],
    ['a key file that is not a name', JSON.stringify({ ...PLAN, createdKeys: [{}] })],
    ['a missing field', JSON.stringify({ ...PLAN, openLink: undefined })],
  ])('refuses %s', (_, text) => {
    expect(parseStartPlan(text)).toBeNull();
  });

  it('never throws, whatever the child printed', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        const plan = parseStartPlan(text);
        expect(plan === null || typeof plan.processes === 'string').toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

import {
  acceptsWrite,
  cancelDecision,
  canTransition,
  isActive,
  isFinished,
  isStaleWrite,
  JOB_STATES,
  statesAcceptingWrite,
  UNFINISHED_STATES,
  type JobState,
} from '../../src/jobs';

// The rules both stores apply (src/jobs/job-rules.ts), checked against the transition table and
// the states they are stated in, for every state with and without a lease owner.
const owners = [null, 'scheduler-1'];

describe('job rules shared by the stores', () => {
  test('unfinished states are exactly the states that are not finished', () => {
    expect(UNFINISHED_STATES).toEqual(JOB_STATES.filter((state) => !isFinished(state)));
  });

  test('a job is active when claimed and not finished; a delayed job is not', () => {
    expect(isActive({ state: 'QUEUED', leaseOwner: null })).toBe(false);
    expect(isActive({ state: 'QUEUED', leaseOwner: 'scheduler-1' })).toBe(true);
    expect(isActive({ state: 'PENDING', leaseOwner: null })).toBe(false);
    for (const state of JOB_STATES)
      if (isFinished(state)) expect(isActive({ state, leaseOwner: 'scheduler-1' })).toBe(false);
    for (const state of ['ACCEPTED', 'RUNNING', 'UNKNOWN', 'CANCELLING'] as JobState[])
      expect(isActive({ state, leaseOwner: 'scheduler-1' })).toBe(true);
  });

  test('a write lands on the legal predecessors, and on its own state unless finished', () => {
    for (const to of JOB_STATES)
      for (const from of JOB_STATES)
        expect(statesAcceptingWrite(to).includes(from)).toBe(canTransition(from, to));
  });

  test('a write for another attempt is refused and counted stale; null is no attempt', () => {
    const job = { state: 'RUNNING' as JobState, fencingToken: 3 };
    expect(acceptsWrite(job, 'COMPLETED', 3)).toBe(true);
    expect(acceptsWrite(job, 'COMPLETED', null)).toBe(true);
    expect(acceptsWrite(job, 'COMPLETED', 2)).toBe(false);
    expect(acceptsWrite({ ...job, state: 'COMPLETED' }, 'FAILED', 3)).toBe(false);
    expect(isStaleWrite(job, 2)).toBe(true);
    expect(isStaleWrite(job, 3)).toBe(false);
    expect(isStaleWrite(job, null)).toBe(false);
    expect(isStaleWrite(null, 2)).toBe(false);
  });

  test('cancel deletes what never started, stops what did, leaves the finished alone', () => {
    for (const state of JOB_STATES)
      for (const leaseOwner of owners) {
        const decision = cancelDecision({ state, leaseOwner });
        if (isFinished(state)) expect(decision).toBeNull();
        else if (state === 'PENDING' || state === 'ACCEPTED') expect(decision).toBe('DELETED');
        else if (state === 'QUEUED' && leaseOwner === null) expect(decision).toBe('DELETED');
        else expect(decision).toBe('CANCELLING');
        // Whatever it decides is a legal move from where the job is.
        if (decision) expect(canTransition(state, decision)).toBe(true);
      }
  });
});

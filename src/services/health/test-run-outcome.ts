import { randomBytes } from 'node:crypto';
import type { JobState } from '../../jobs';

/**
 * A health-test run's id. Runs never enter the job store and the scheduler knows them by its own
 * record (src/scheduler/test-runs.ts), not by this form; the form only keeps a run's id (and its
 * directory on the agent) apart from every job's.
 */
export const newTestRunId = (): string => `service-test-${randomBytes(8).toString('hex')}`;

export type TestRunOutcome =
  | { kind: 'finished'; state: JobState; reason: string | null }
  | { kind: 'not-started'; reason: string }
  | { kind: 'timeout' };

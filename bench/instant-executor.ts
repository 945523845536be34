import type { Executor, ReportEvent } from '../src/runners/executor';
import type { DispatchSpec, RunningJob } from '../src/transport/protocol';

/** Finishes every job the moment it arrives: the scheduler and the link are all that is measured. */
export class InstantExecutor implements Executor {
  readonly kinds = ['local'];
  constructor(readonly slots: number) {}
  private report: ReportEvent = () => undefined;
  private readonly held = new Map<string, RunningJob>();
  async open(report: ReportEvent): Promise<void> {
    this.report = report;
  }
  async start(job: DispatchSpec): Promise<void> {
    if (this.held.has(job.jobId)) return;
    this.held.set(job.jobId, {
      jobId: job.jobId,
      fencingToken: job.fencingToken,
      externalId: null,
    });
    queueMicrotask(() =>
      this.report({
        jobId: job.jobId,
        fencingToken: job.fencingToken,
        state: 'COMPLETED',
        exitCode: 0,
      }),
    );
  }
  async cancel(): Promise<void> {}
  running(): RunningJob[] {
    return [...this.held.values()];
  }
  finalized(jobId: string): void {
    this.held.delete(jobId);
  }
  async close(): Promise<void> {}
}

import path from 'node:path';
import { commandRecord, type Job } from '../jobs';
import { failpoint, isArmed } from '../lifecycle/failpoint';
import type { Logger } from '../lifecycle/logger';
import { buildCommand, type HostEnvironment } from '../services/command/build-command';
import type { ServiceRevisions } from '../services/service-revisions';
import { MessageTooLargeError, type DispatchSpec } from '../transport/protocol';
import type { AdminControls } from './admin-controls';
import type { AgentInfo } from './agent-link';
import { pickAgent } from './agent-capacity';
import type { ClaimLedger } from './claim-ledger';
import { routeJob } from './route-job';
import type { RunnerBreakers } from './runner-breakers';
import type { SchedulerHooks } from './scheduler-metrics';
import type { WriteBatcher } from './write-batcher';

export interface DispatchOptions {
  jobsDirectory: string;
  host: HostEnvironment;
  timeoutSeconds: number | null;
}

/** What handing claimed jobs to agents needs of the rest of the scheduler. */
export interface JobDispatchContext {
  revisions: Pick<ServiceRevisions, 'forJob'>;
  controls: Pick<AdminControls, 'holds' | 'open'>;
  breakers: Pick<RunnerBreakers, 'capacity'>;
  writes: Pick<WriteBatcher, 'transition'>;
  claims: ClaimLedger;
  /** The connected agents. */
  agents: () => AgentInfo[];
  /** Charges the agent with the job and sends it; throws MessageTooLargeError before charging. */
  dispatch: (agent: AgentInfo, spec: DispatchSpec) => Promise<void>;
  options: DispatchOptions;
  metrics?: SchedulerHooks;
  isStopped: () => boolean;
  log: Logger;
}

/**
 * Hands one claimed job to an agent: routes it (route-job.ts), builds its command and sends it to
 * the least loaded agent of the routed kind. A job that cannot go now goes back to PENDING with no
 * attempt lost; one that can never go ends ERROR or REJECTED with the reason.
 */
export class JobDispatch {
  constructor(private readonly ctx: JobDispatchContext) {}

  /** `budgetRunner`: the runner whose breaker capacity the claim took (claim-plan.ts). */
  async dispatch(job: Job, budgetRunner: string | null): Promise<void> {
    const { ctx } = this;
    // A stopping scheduler sends nothing more: what it claimed and did not send is released.
    if (ctx.isStopped()) return;
    const service = await ctx.revisions.forJob(job);
    if (!service) return this.fail(job, 'ERROR', `service '${job.service}' no longer exists`);
    const route = await routeJob(service, job);
    if (route.kind === 'refused') return this.fail(job, route.state, route.reason);
    const { runner, agentKind } = route;
    // Paused (by an administrator) after the claim, or on the runner the selector chose: it waits.
    if (ctx.controls.holds(service.id, agentKind)) return void (await this.handBack(job));
    // The claim took the budgeted runner's breaker capacity; any other runner is asked now.
    if (
      runner.id !== budgetRunner &&
      ctx.breakers.capacity(service.id, runner.id, Date.now(), 1) === 0
    ) {
      // The selector chose a runner whose breaker is open: the job waits (no attempt is lost).
      return void (await this.handBack(job));
    }
    let command;
    try {
      command = buildCommand(service, runner, job.inputs, ctx.options.host);
    } catch (error) {
      return this.fail(job, 'ERROR', `cannot build the command: ${(error as Error).message}`);
    }
    ctx.log.debug({ jobId: job.id, ...commandRecord(command.argv, command.env) }, 'job command');
    const agent = pickAgent(ctx.controls.open(ctx.agents()), agentKind);
    if (!agent) return void (await this.handBack(job));
    const timeoutSeconds = service.scheduling.timeoutSeconds ?? ctx.options.timeoutSeconds;
    const spec: DispatchSpec = {
      jobId: job.id,
      fencingToken: job.fencingToken,
      service: service.id,
      runner: runner.id,
      runnerType: runner.type,
      runnerParameters: runner.parameters,
      argv: command.argv,
      env: command.env,
      cwd: path.join(ctx.options.jobsDirectory, job.workDir),
      links: command.links,
      timeoutMs: timeoutSeconds ? timeoutSeconds * 1000 : null,
    };
    if (ctx.isStopped()) return;
    let sent: Promise<void>;
    try {
      sent = ctx.dispatch(agent, spec);
    } catch (error) {
      // Deterministic: the same job would be too large on every attempt and every agent.
      if (error instanceof MessageTooLargeError)
        return this.fail(
          job,
          'ERROR',
          `the job's command and environment are too large: ${error.message}`,
        );
      throw error;
    }
    ctx.claims.sent(job.id, job.fencingToken);
    ctx.metrics?.dispatched(spec);
    // Armed only in crash tests: dies once the message has had a moment to leave the process.
    if (isArmed('scheduler-after-dispatch'))
      void sent.then(() => setTimeout(() => failpoint('scheduler-after-dispatch'), 20));
  }

  /** PENDING again with no attempt lost: the claim never reached an agent. */
  async handBack(job: Pick<Job, 'id' | 'fencingToken'>): Promise<Job | null> {
    const done = await this.ctx.writes.transition({
      id: job.id,
      to: 'PENDING',
      fencingToken: job.fencingToken,
    });
    this.ctx.claims.settled(job.id, job.fencingToken);
    return done;
  }

  private async fail(job: Job, state: 'ERROR' | 'REJECTED', reason: string): Promise<void> {
    this.ctx.log.warn({ jobId: job.id, state, reason }, 'job not dispatched');
    await this.ctx.writes.transition({
      id: job.id,
      to: state,
      fencingToken: job.fencingToken,
      patch: { reason },
    });
    this.ctx.claims.settled(job.id, job.fencingToken);
  }
}

import { userInfo } from 'node:os';
import type {
  ClusterEngine,
  EngineJob,
  EngineView,
  SubmitRequest,
} from '../cluster/cluster-engine';
import {
  EngineToolError,
  engineCommand,
  type EngineCommand,
  type EngineToolOptions,
} from '../cluster/engine-tool';
import { parseQacct, parseQstatXml, parseQsub } from './gridengine-states';

/** Its tools' time limit and environment (SGE_ROOT, SGE_CELL; the jobs never see it). */
export interface GridEngineOptions extends EngineToolOptions {
  /** At most this many `qacct` calls per poll (qacct answers for one job at a time). */
  maxQacctPerPoll?: number;
}

/** Grid Engine through qsub, qstat, qacct and qdel. */
export class GridEngine implements ClusterEngine {
  readonly kind = 'gridengine';
  readonly engineIdVariable = 'JOB_ID';
  private readonly user = userInfo().username;
  private readonly run: EngineCommand;

  constructor(private readonly options: GridEngineOptions) {
    this.run = engineCommand(options);
  }

  async submit(request: SubmitRequest): Promise<string> {
    // No -V: nothing of the agent's environment reaches the job. -S: the script's shell whatever
    // the queue's shell_start_mode says.
    const args = [
      '-terse',
      '-N',
      request.name,
      '-wd',
      request.cwd,
      '-o',
      request.engineOutput,
      '-j',
      'y',
      '-S',
      '/bin/sh',
      // No directive prefix: qsub reads no `#$` options from the script.
      '-C',
      '',
    ];
    if (request.timeLimitMs !== null) {
      args.push('-l', `h_rt=${Math.max(1, Math.ceil(request.timeLimitMs / 1000))}`);
    }
    // The script goes on stdin: it holds the configured environment, which stays off the disk.
    args.push(...request.extraArgs);
    return parseQsub((await this.run('qsub', args, undefined, request.script)).stdout);
  }

  async list(): Promise<Map<string, EngineJob>> {
    const { stdout } = await this.run('qstat', ['-u', this.user, '-xml']);
    return parseQstatXml(stdout);
  }

  async postMortem(ids: string[]): Promise<Map<string, EngineView>> {
    const views = new Map<string, EngineView>();
    for (const id of ids.slice(0, this.options.maxQacctPerPoll ?? 20)) {
      // qacct exits 1 with "job id N not found" while the record is not written (or never will be).
      const { stdout, stderr, exitCode } = await this.run('qacct', ['-j', id], [1]);
      if (exitCode !== 0) {
        if (/not found/.test(stderr + stdout)) continue;
        throw new EngineToolError('qacct', 'exit', `exit status 1: ${stderr.trim()}`, stderr);
      }
      const view = parseQacct(stdout);
      if (view) views.set(id, view);
    }
    return views;
  }

  async cancel(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    // qdel exits 1 when a job has already gone (the outcome wanted) but also when it failed.
    const { stdout, stderr, exitCode } = await this.run('qdel', [ids.join(',')], [1]);
    if (exitCode !== 0 && !/does not exist|registered the job|has deleted/.test(stdout + stderr)) {
      throw new EngineToolError('qdel', 'exit', `exit status 1: ${stderr.trim()}`, stderr);
    }
  }
}

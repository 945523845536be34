import { userInfo } from 'node:os';
import type {
  ClusterEngine,
  EngineJob,
  EngineView,
  SubmitRequest,
} from '../cluster/cluster-engine';
import { engineCommand, type EngineCommand, type EngineToolOptions } from '../cluster/engine-tool';
import { parseSacct, parseSbatch, parseSqueue, SQUEUE_FORMAT } from './slurm-states';

/** Its tools' time limit and environment (SLURM_CONF and the like; the jobs never see it). */
export type SlurmEngineOptions = EngineToolOptions;

/** SLURM through sbatch, squeue, sacct and scancel. */
export class SlurmEngine implements ClusterEngine {
  readonly kind = 'slurm';
  readonly engineIdVariable = 'SLURM_JOB_ID';
  private readonly user = userInfo().username;
  private readonly run: EngineCommand;
  private sacctMode: 'unknown' | 'accounting' | 'completion' = 'unknown';

  constructor(options: SlurmEngineOptions) {
    this.run = engineCommand(options);
  }

  async submit(request: SubmitRequest): Promise<string> {
    const args = [
      '--parsable',
      `--job-name=${request.name}`,
      `--chdir=${request.cwd}`,
      `--output=${request.engineOutput}`,
      `--error=${request.engineOutput}`,
      // Nothing of the agent's environment reaches the job; the script exports the configured env.
      '--export=NONE',
    ];
    if (request.timeLimitMs !== null) {
      args.push(`--time=${Math.max(1, Math.ceil(request.timeLimitMs / 60_000))}`);
    }
    // The runner's own options come last so that an administrator can override ours.
    // The script goes on stdin: it holds the configured environment, which stays off the disk.
    args.push(...request.extraArgs);
    return parseSbatch((await this.run('sbatch', args, undefined, request.script)).stdout);
  }

  async list(): Promise<Map<string, EngineJob>> {
    const { stdout } = await this.run('squeue', [
      '--noheader',
      '--states=all',
      `--user=${this.user}`,
      `--format=${SQUEUE_FORMAT}`,
    ]);
    return parseSqueue(stdout);
  }

  async postMortem(ids: string[]): Promise<Map<string, EngineView>> {
    if (ids.length === 0) return new Map();
    const args = [
      '--parsable2',
      '--noheader',
      '--format=JobID,State,ExitCode',
      `--jobs=${ids.join(',')}`,
    ];
    // With slurmdbd, accounting answers; without it, --completion reads the job completion log.
    // Whichever works first is kept, so a poll costs one sacct call.
    if (this.sacctMode !== 'completion') {
      try {
        const views = parseSacct((await this.run('sacct', args)).stdout);
        this.sacctMode = 'accounting';
        return views;
      } catch (error) {
        if (this.sacctMode === 'accounting') throw error;
      }
    }
    const views = parseSacct((await this.run('sacct', ['--completion', ...args])).stdout);
    this.sacctMode = 'completion';
    return views;
  }

  async cancel(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.run('scancel', ids);
  }
}

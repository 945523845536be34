import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { Request, Response, Router } from 'express';
import { COMMAND_RECORD_FILE, parseCommandRecord, type CommandRecord } from '../jobs';
import type { CommandResource } from '../wire/api-resources';
import { addRoute } from './add-route';
import type { AppContext } from './app-context';
import { HttpError, notFound } from './http-error';
import { mayReadJob } from './request-owner';

const JOB_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** A record is argv plus names; a larger file is not one Damson wrote. */
const MAX_RECORD_BYTES = 4 * 1024 * 1024;

/** The record in a job directory; null when absent. The tool shares the directory: no links. */
export async function readCommandRecord(workDir: string): Promise<CommandRecord | null> {
  let file;
  try {
    file = await open(
      path.join(workDir, COMMAND_RECORD_FILE),
      constants.O_RDONLY | constants.O_NOFOLLOW,
    );
  } catch {
    return null;
  }
  try {
    const stat = await file.stat();
    if (!stat.isFile() || stat.size > MAX_RECORD_BYTES) return null;
    return parseCommandRecord(await file.readFile('utf8'));
  } finally {
    await file.close();
  }
}

/**
 * `GET /api/jobs/{id}/command` (Damson): the argv and environment names the job ran with, to
 * whoever may read the job. Environment values are never recorded.
 */
export function jobCommandRoute(router: Router, ctx: AppContext): void {
  const show = async (req: Request, res: Response): Promise<void> => {
    const id = String(req.params.jid);
    const job = JOB_ID.test(id) ? await ctx.store.getJob(id) : null;
    if (!job || !mayReadJob(ctx.settings, req, job)) throw notFound(`job '${id}'`);
    const record = await readCommandRecord(path.join(ctx.settings.directories.jobs, job.workDir));
    if (!record) {
      throw new HttpError(
        404,
        'command_not_recorded',
        `Job '${job.id}' has no recorded command: it is recorded when the job starts (state: ${job.state}).`,
      );
    }
    res.json({ argv: record.argv, env: record.env } satisfies CommandResource);
  };
  addRoute(router, '/jobs/:jid/command', { get: show });
}

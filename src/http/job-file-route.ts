import path from 'node:path';
import type { Request, Response } from 'express';
import type { Job } from '../jobs';
import type { AppContext } from './app-context';
import { FileEventGate } from './file-event-gate';
import { streamFileEvents } from './file-events';
import { FileFeeds } from './file-feeds';
import { notFound } from './http-error';
import { filesSource } from './job-expiry';
import { confinedFile, listOutputs } from './job-outputs';
import type { JobWatcher } from './job-watcher';
import { jobFileResource, type OutputFile } from './resources';
import { sendFileBytes } from './send-file-bytes';

const EVENTS = '/events';

interface Output {
  file: OutputFile;
  /** The confined real path. */
  real: string;
  /** The job whose directory holds it: the job itself, or a cache hit's original. */
  source: Job;
}

/**
 * `GET /jobs/{jid}/files/{path}`: the file's JSON resource (slivka's answer); with a `Range`
 * header, its bytes (206 for one range, send-file-bytes.ts). `GET .../files/{path}/events`: its new
 * bytes as Server-Sent Events (file-events.ts). An output whose own path ends in `/events` is
 * served as itself first.
 */
export function jobFileRoute(
  ctx: AppContext,
  watcher: JobWatcher,
  findJob: (req: Request) => Promise<Job>,
  urls: (req: Request) => { api: string; content: string },
): Record<'file' | 'events', (req: Request, res: Response) => Promise<void>> {
  const gate = new FileEventGate(ctx.settings.api.fileEvents);
  const feeds = new FileFeeds(watcher, ctx.settings.api.fileEvents.pollIntervalMs);

  // A cache hit's files are its original's (410 once the original expired).
  const outputOf = async (job: Job, relative: string): Promise<Output | null> => {
    const source = await filesSource(ctx, job);
    const service = ctx.catalog.get(job.service);
    const workDir = path.join(ctx.settings.directories.jobs, source.workDir);
    const outputs = service ? await listOutputs(workDir, service.outputs) : [];
    const file = outputs.find((f) => f.path === relative);
    const real = file ? await confinedFile(workDir, relative) : null;
    return file && real ? { file, real, source } : null;
  };

  const serve = async (req: Request, res: Response, job: Job, output: Output) => {
    if (req.headers.range !== undefined) return sendFileBytes(req, res, output.real);
    const { api, content } = urls(req);
    const body = jobFileResource(api, content, job, output.file, output.source);
    res.location(body['@url']).json(body);
  };

  /** `suffix`: what the route matched after `*path` (`/events`), part of the path as asked. */
  const handler = (suffix: string) => async (req: Request, res: Response) => {
    const job = await findJob(req);
    const segments = ([] as string[]).concat(req.params.path as unknown as string[]);
    const relative = segments.join('/') + suffix;
    const output = await outputOf(job, relative);
    if (output) return serve(req, res, job, output);
    const target = relative.endsWith(EVENTS) ? relative.slice(0, -EVENTS.length) : '';
    const streamed = target ? await outputOf(job, target) : null;
    if (!streamed) throw notFound(`file '${relative}' of job '${job.id}'`);
    const release = gate.enter(job.id);
    await streamFileEvents(req, res, { file: streamed.real, job, feeds, release });
  };
  return { file: handler(''), events: handler(EVENTS) };
}

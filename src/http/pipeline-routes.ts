import type { Request, RequestHandler, Response, Router } from 'express';
import { isFinished, isWellFormedId, type Job, type Pipeline } from '../jobs';
import type { PipelineResource } from '../wire/api-resources';
import { addRoute } from './add-route';
import { apiBase, type AppContext } from './app-context';
import { refuseWhenDiskLow } from './disk-guard';
import { HttpError, notFound, sendError } from './http-error';
import { waitSeconds } from './job-wait';
import type { JobWatcher } from './job-watcher';
import { watchedEventStream } from './event-stream';
import { longPoll } from './long-poll';
import { pipelineResource } from './pipeline-resource';
import { collect } from './read-json-submission';
import { submitPipeline } from './submit-pipeline';
import { isAdmin, mayReadJob, requestOwner } from './request-owner';
import { refuseOverWaitingCap } from './owner-caps';

interface Loaded {
  pipeline: Pipeline;
  jobs: Job[];
}

/** Watches every unfinished step's job; `onChange` at any step's change. Returns the stop. */
function watchSteps(
  watcher: JobWatcher,
  jobs: readonly Job[],
  onChange: () => void,
  onClose: () => void,
): () => void {
  const stops = jobs
    .filter((job) => !isFinished(job.state))
    .map((job) => watcher.watch(job, onChange, onClose));
  return () => stops.forEach((stop) => stop());
}

/** `POST /pipelines`, `GET /pipelines/{id}` (long-poll), its `/events` (SSE) and `DELETE`. */
export function pipelineRoutes(
  router: Router,
  ctx: AppContext,
  watcher: JobWatcher,
  submissions: RequestHandler,
): void {
  const base = (req: Request): string => apiBase(req, ctx.settings);

  const load = async (req: Request): Promise<Loaded> => {
    const id = String(req.params.pid);
    const pipeline = isWellFormedId(id) ? await ctx.store.pipelines.getPipeline(id) : null;
    if (!pipeline) throw notFound(`pipeline '${id}'`);
    const jobs = await ctx.store.pipelines.getJobs(pipeline.steps.map((s) => s.jobId));
    // A pipeline is its steps' owner's, as they are: with private jobs, others get the 404 of a
    // pipeline that does not exist.
    if (!jobs.every((job) => mayReadJob(ctx.settings, req, job)))
      throw notFound(`pipeline '${id}'`);
    return { pipeline, jobs };
  };
  const reload = async (pipeline: Pipeline): Promise<Loaded> => ({
    pipeline,
    jobs: await ctx.store.pipelines.getJobs(pipeline.steps.map((s) => s.jobId)),
  });

  const create = async (req: Request, res: Response): Promise<void> => {
    await refuseWhenDiskLow(ctx.diskSpace);
    const limit = ctx.settings.server.maxTextBytes;
    const raw = await collect(req, limit, 'server.max-text-bytes');
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new HttpError(400, 'invalid_json', 'The body is not valid JSON.');
    }
    const owner = requestOwner(req, res);
    // Each step will wait with the owner's other jobs: the cap counts the steps that start at once.
    await refuseOverWaitingCap(ctx, owner);
    const outcome = await submitPipeline(body, ctx, { owner, admin: isAdmin(res) });
    if (outcome.kind === 'invalid') {
      sendError(res, 'invalid_pipeline', 'One or more steps are invalid.', {
        errors: outcome.errors,
      });
      return;
    }
    const resource = pipelineResource(base(req), outcome.pipeline, outcome.jobs);
    res.status(202).location(String(resource['@url'])).json(resource);
  };

  /** `?wait=<s>`: answers when any step changes state, or after the wait. */
  const get = async (req: Request, res: Response): Promise<void> => {
    const seconds = waitSeconds(req);
    let loaded = await load(req);
    const lastSeen = typeof req.query.status === 'string' ? req.query.status.toUpperCase() : null;
    const current = (l: Loaded) => pipelineResource(base(req), l.pipeline, l.jobs);
    const first = current(loaded);
    if (seconds > 0 && !first.finished && (lastSeen === null || lastSeen === first.status)) {
      const again = (): Promise<Loaded> => reload(loaded.pipeline);
      const outcome = await longPoll(
        res,
        seconds,
        (answer) =>
          watchSteps(
            watcher,
            loaded.jobs,
            () => answer(again()),
            () => answer(again()),
          ),
        again,
      );
      if (!outcome) return;
      loaded = outcome;
    }
    const body = current(loaded);
    res.location(String(body['@url'])).json(body);
  };

  /** SSE: an event `pipeline` at connect and at each step's change; ends once all have. */
  const events = async (req: Request, res: Response): Promise<void> => {
    const loaded = await load(req);
    const render = (l: Loaded) => pipelineResource(base(req), l.pipeline, l.jobs);
    const first = render(loaded);
    if (first.finished && req.headers['last-event-id'] === first.status) {
      res.status(204).end();
      return;
    }
    const stream = watchedEventStream(res);
    const send = (body: PipelineResource): void => {
      stream.send('pipeline', String(body.status), body);
      if (body.finished) stream.end();
    };
    let sending = Promise.resolve();
    const changed = (): void => {
      sending = sending
        .then(async () => {
          if (!res.writableEnded) send(render(await reload(loaded.pipeline)));
        })
        .catch(stream.end);
    };
    send(first);
    if (res.writableEnded) return;
    stream.watchedBy(watchSteps(watcher, loaded.jobs, changed, stream.end));
  };

  /** Cancels every step: waiting and PENDING ones end DELETED, running ones are cancelled. */
  const cancel = async (req: Request, res: Response): Promise<void> => {
    const { pipeline, jobs } = await load(req);
    if (jobs.every((job) => isFinished(job.state))) {
      throw new HttpError(409, 'pipeline_finished', `Pipeline '${pipeline.id}' has finished.`);
    }
    for (const step of pipeline.steps) await ctx.store.requestCancel(step.jobId);
    ctx.wake();
    watcher.nudge();
    res.status(204).end();
  };

  addRoute(router, '/pipelines', { post: [submissions, create] });
  addRoute(router, '/pipelines/:pid', { get, delete: cancel });
  addRoute(router, '/pipelines/:pid/events', { get: events });
}

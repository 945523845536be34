import path from 'node:path';
import type { Request, Response } from 'express';
import { dryRunCommand } from '../services/command/dry-run-command';
import type { Service } from '../services/service';
import { selectRunner } from '../services/selectors/select-runner';
import type { AppContext } from './app-context';
import { StoreFileResolver } from './file-resolver';
import { HttpError, sendError } from './http-error';
import type { ReadSubmission } from './read-submission';

/** `?dry-run=true` (or `1`); `false`, `0` or absent is a real submission; anything else a 400. */
export function isDryRun(req: Request): boolean {
  const value = req.query['dry-run'];
  if (value === undefined) return false;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new HttpError(400, 'invalid_query', "'dry-run' must be true or false", {
    parameter: 'dry-run',
  });
}

/**
 * Shows a path inside one of the server's directories relative to it (`uploads/ID`,
 * `jobs/AB/CD…/out.txt`, `$DAMSON_HOME/bin/tool`): clients never see server paths.
 */
export function serverPathHider(ctx: AppContext): (text: string) => string {
  const { uploads, jobs } = ctx.settings.directories;
  const roots: [string, string][] = [
    [uploads, 'uploads'],
    [jobs, 'jobs'],
    [ctx.settings.home, '$DAMSON_HOME'],
  ];
  roots.sort(([a], [b]) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const [root, label] of roots) out = out.split(path.resolve(root)).join(label);
    return out;
  };
}

/**
 * Answers `?dry-run=true`: validated exactly as a submission (422 the same), then 200 with what
 * the job would run. Nothing is created: no job, no upload record; the caller discards the
 * request's files. The environment is given by name only: its values are the administrator's
 * (they may carry secrets and server paths); `damson check --argv` shows them.
 */
export async function answerDryRun(
  ctx: AppContext,
  res: Response,
  service: Service,
  read: ReadSubmission,
): Promise<void> {
  const resolver = new StoreFileResolver(ctx.store, ctx.settings.directories.jobs);
  const host = { processEnv: process.env, home: ctx.settings.home };
  const outcome = await dryRunCommand(
    service,
    read.submission,
    resolver,
    host,
    selectRunner,
    (p, i) => path.join(ctx.settings.directories.uploads, `(sent-with-request:${p}:${i})`),
  );
  if (!outcome.ok) {
    sendError(res, 'invalid_parameters', 'One or more parameters are invalid.', {
      errors: outcome.errors,
    });
    return;
  }
  const hide = serverPathHider(ctx);
  res.status(200).json({
    dryRun: true,
    service: service.id,
    parameters: Object.fromEntries(
      Object.entries(outcome.parameters).filter(([, v]) => v !== null),
    ),
    runner: outcome.runner,
    ...(outcome.rejection ? { rejection: hide(outcome.rejection) } : {}),
    argv: outcome.argv?.map(hide) ?? null,
    environment: outcome.env ? Object.keys(outcome.env) : null,
    files: outcome.files.map((f) => ({ ...f, path: hide(f.path) })),
    links: outcome.links.map((l) => ({ name: l.name, target: hide(l.target) })),
  });
}

import type { Request, RequestHandler, Response, Router } from 'express';
import type { PipelineTemplate } from '../services/pipeline-template';
import { PipelineTemplateCatalog } from '../services/pipeline-template-catalog';
import type { TemplateResource } from '../wire/api-resources';
import { addRoute } from './add-route';
import { apiBase, type AppContext } from './app-context';
import { refuseWhenDiskLow } from './disk-guard';
import { expandTemplate } from './expand-template';
import { HttpError, notFound, sendError } from './http-error';
import { pipelineResource } from './pipeline-resource';
import { collect } from './read-json-submission';
import { parameterResource } from './resources';
import { submitPipeline } from './submit-pipeline';
import { isAdmin, requestOwner } from './request-owner';
import { refuseOverWaitingCap } from './owner-caps';

/** A template as clients see it: its steps and, for a form, each value the user supplies. */
export function templateResource(
  base: string,
  template: PipelineTemplate,
  ctx: AppContext,
): TemplateResource {
  return {
    '@url': `${base}/pipeline-templates/${template.id}`,
    id: template.id,
    name: template.name,
    description: template.description,
    steps: template.steps.map((s) => ({ name: s.name, service: s.service })),
    inputs: template.steps.flatMap((step) => {
      const service = ctx.catalog.get(step.service);
      return step.inputs.flatMap((id) => {
        const parameter = service?.parameters.find((p) => p.id === id);
        return parameter ? [{ step: step.name, parameter: parameterResource(parameter) }] : [];
      });
    }),
  };
}

/** `GET /pipeline-templates`, `GET /pipeline-templates/{id}`, `POST /pipeline-templates/{id}`. */
export function pipelineTemplateRoutes(
  router: Router,
  ctx: AppContext,
  submissions: RequestHandler,
): void {
  const templates = new PipelineTemplateCatalog(ctx.settings.directories.pipelines, (id) =>
    ctx.catalog.get(id),
  );
  const base = (req: Request): string => apiBase(req, ctx.settings);
  const find = (req: Request): PipelineTemplate => {
    const id = String(req.params.tid);
    const template = id.length <= 64 ? templates.get(id) : undefined;
    if (!template) throw notFound(`pipeline template '${id.slice(0, 64)}'`);
    return template;
  };

  const list = (req: Request, res: Response): void => {
    res.json({ templates: templates.list().map((t) => templateResource(base(req), t, ctx)) });
  };
  const one = (req: Request, res: Response): void => {
    res.json(templateResource(base(req), find(req), ctx));
  };
  const submit = async (req: Request, res: Response): Promise<void> => {
    const template = find(req);
    await refuseWhenDiskLow(ctx.diskSpace);
    const raw = await collect(req, ctx.settings.server.maxTextBytes, 'server.max-text-bytes');
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new HttpError(400, 'invalid_json', 'The body is not valid JSON.');
    }
    const expanded = expandTemplate(template, body);
    const owner = requestOwner(req, res);
    await refuseOverWaitingCap(ctx, owner);
    const outcome = expanded.ok
      ? await submitPipeline(expanded.body, ctx, { owner, admin: isAdmin(res) })
      : { kind: 'invalid' as const, errors: expanded.errors };
    if (outcome.kind === 'invalid') {
      sendError(res, 'invalid_pipeline', 'One or more values are invalid.', {
        errors: outcome.errors,
      });
      return;
    }
    const resource = pipelineResource(base(req), outcome.pipeline, outcome.jobs);
    res.status(202).location(String(resource['@url'])).json(resource);
  };

  addRoute(router, '/pipeline-templates', { get: list });
  addRoute(router, '/pipeline-templates/:tid', { get: one, post: [submissions, submit] });
}

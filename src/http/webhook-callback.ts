import type { Request } from 'express';
import { callbackProblem } from '../config/webhook-hosts';
import type { WebhookSettings } from '../config/webhook-settings';
import type { JobCallback } from '../jobs';
import { HttpError } from './http-error';

function single(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw new HttpError(400, 'invalid_query', `'${name}' must be given once`, { parameter: name });
  }
  return value;
}

/**
 * The webhook of a submission: `callback=<url>` and `callback-events=finished|all` (query
 * parameters, like the scheduling hints, so they never collide with a service's parameters).
 * Judged before the body is read, on the text alone (nothing is resolved): a refused callback is a
 * 422 naming the setting that decides, and creates no job.
 */
export function callbackOption(req: Request, settings: WebhookSettings): JobCallback | null {
  const url = single(req, 'callback');
  const events = single(req, 'callback-events');
  if (events !== undefined && events !== 'finished' && events !== 'all') {
    throw new HttpError(400, 'invalid_query', "'callback-events' must be 'finished' or 'all'", {
      parameter: 'callback-events',
    });
  }
  if (url === undefined) {
    if (events === undefined) return null;
    throw new HttpError(400, 'invalid_query', "'callback-events' needs a 'callback'", {
      parameter: 'callback-events',
    });
  }
  if (!settings.secret) {
    throw new HttpError(
      422,
      'callback_refused',
      "'callback': webhooks are off on this server (no api.webhooks.secret)",
      { parameter: 'callback', setting: 'api.webhooks.secret' },
    );
  }
  const problem = callbackProblem(url, settings.allowedHosts);
  if (problem) {
    throw new HttpError(422, 'callback_refused', `'callback' ${problem}`, {
      parameter: 'callback',
      setting: 'api.webhooks.allowed-hosts',
    });
  }
  return { url, events: events ?? 'finished' };
}

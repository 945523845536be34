import { ClientError, EXIT } from './exit-codes';

/** What the client reads from the server's JSON, checked field by field (the server is hostile). */

export const FINISHED_STATES = new Set([
  'REJECTED',
  'COMPLETED',
  'INTERRUPTED',
  'DELETED',
  'FAILED',
  'ERROR',
]);

export type ParameterValues = Record<string, string | string[]>;

export interface JobView {
  url: string;
  id: string;
  service: string;
  status: string;
  finished: boolean;
  submissionTime: string | null;
  completionTime: string | null;
  parameters: ParameterValues;
  reason?: string;
}

export interface FileView {
  url: string;
  content: string;
  id: string;
  path: string;
  label: string;
  mediaType: string;
}

export type Json = Record<string, unknown>;

const bad = (what: string): ClientError =>
  new ClientError(EXIT.server, `the server sent a malformed ${what}`);

export function asObject(value: unknown, what: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(what);
  return value as Json;
}

export function asArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw bad(what);
  return value;
}

export const text = (value: unknown, what: string): string => {
  if (typeof value !== 'string') throw bad(what);
  return value;
};

const optionalText = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** Parameter values: strings or arrays of strings, in a prototype-free map. */
function parameterValues(value: unknown): ParameterValues {
  const out = Object.create(null) as ParameterValues;
  if (typeof value !== 'object' || value === null) return out;
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'string') out[key] = v;
    else if (Array.isArray(v)) out[key] = v.filter((x): x is string => typeof x === 'string');
  }
  return out;
}

export function jobView(value: unknown): JobView {
  const job = asObject(value, 'job');
  const status = text(job.status, 'job status');
  const view: JobView = {
    url: text(job['@url'], 'job @url'),
    id: text(job.id, 'job id'),
    service: optionalText(job.service) ?? '',
    status,
    // slivka before mid-2021 had no `finished`; the state says it too.
    finished: typeof job.finished === 'boolean' ? job.finished : FINISHED_STATES.has(status),
    submissionTime: optionalText(job.submissionTime),
    completionTime: optionalText(job.completionTime),
    parameters: parameterValues(job.parameters),
  };
  if (typeof job.reason === 'string') view.reason = job.reason;
  return view;
}

export function fileView(value: unknown): FileView {
  const file = asObject(value, 'file');
  return {
    url: text(file['@url'], 'file @url'),
    content: text(file['@content'], 'file @content'),
    id: optionalText(file.id) ?? '',
    path: text(file.path, 'file path'),
    label: optionalText(file.label) ?? '',
    mediaType: optionalText(file.mediaType) ?? '',
  };
}

/** The message a server error body carries, naming the parameter when it does. */
export function serverMessage(status: number, body: unknown): ClientError {
  const details: { code?: string; parameter?: string; status: number } = { status };
  let message = `the server answered ${status}`;
  if (typeof body === 'object' && body !== null) {
    const o = body as Json;
    const errors = Array.isArray(o.errors) ? o.errors : [];
    const listed = errors
      .filter((e): e is Json => typeof e === 'object' && e !== null)
      .map((e) => {
        const parameter = optionalText(e.parameter);
        const msg = optionalText(e.message) ?? optionalText(e.errorCode) ?? 'invalid';
        if (parameter && details.parameter === undefined) details.parameter = parameter;
        return parameter ? `parameter '${parameter}': ${msg}` : msg;
      });
    const error = typeof o.error === 'object' && o.error !== null ? (o.error as Json) : undefined;
    if (error) {
      details.code = optionalText(error.code) ?? undefined;
      details.parameter ??= optionalText(error.parameter) ?? undefined;
    }
    if (listed.length) message = listed.join('; ');
    else if (error && typeof error.message === 'string') {
      message = error.message;
      if (details.parameter && !message.includes(details.parameter))
        message = `parameter '${details.parameter}': ${message}`;
    }
  }
  return new ClientError(EXIT.server, `${message} (HTTP ${status})`, details);
}

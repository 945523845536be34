/**
 * Every `error.code` the HTTP API answers with, its status and what it means: the one list the
 * server's throw sites are typed against and docs/errors.md is generated from
 * (`npm run docs:errors`). The codes and statuses are on the wire: clients (slivka's among them)
 * match on them, so an existing one is never renamed or given another status.
 *
 * This file imports nothing: the portal imports its types too.
 */

/** Statuses a code is answered with; `'4xx'`: the client-error status a request parser chose. */
export type CataloguedStatus = number | readonly number[] | '4xx';

export interface HttpErrorEntry {
  readonly status: CataloguedStatus;
  readonly description: string;
}

export const HTTP_ERRORS = {
  aborted: { status: 400, description: 'The request was cut off before the server had read it.' },
  bad_request: {
    status: '4xx',
    description: 'The request could not be read; the status is the one the request parser chose.',
  },
  body_too_large: {
    status: 413,
    description: 'A JSON body is over its limit; `limit` names the setting.',
  },
  callback_refused: {
    status: 422,
    description: 'The webhook `callback` is refused: webhooks are off, or the URL is not allowed.',
  },
  command_not_recorded: {
    status: 404,
    description: 'The job has no recorded command yet: it is recorded when the job starts.',
  },
  disk_space_low: {
    status: 503,
    description: 'The server is low on disk space and accepts no new jobs or files for now.',
  },
  expired: {
    status: 410,
    description: 'Retention deleted the job; `expiredAt` says when.',
  },
  field_too_large: {
    status: 413,
    description: 'A form field is over its size limit; `limit` names the setting.',
  },
  file_missing: {
    status: 400,
    description: "An upload's multipart body has no `file` part holding a file.",
  },
  file_too_large: {
    status: 413,
    description: 'An uploaded file is over its size limit; `limit` names the setting.',
  },
  idempotency_key_reused: {
    status: 409,
    description: 'The `Idempotency-Key` was used for a different request.',
  },
  insufficient_storage: {
    status: 507,
    description: 'The server has no space left to store the upload.',
  },
  internal: {
    status: 500,
    description: 'An unexpected failure; `requestId` finds it in the server log.',
  },
  invalid_idempotency_key: {
    status: 400,
    description: 'The `Idempotency-Key` header is malformed or given more than once.',
  },
  invalid_json: {
    status: 400,
    description: 'The body is not valid JSON, or not the JSON object the route expects.',
  },
  invalid_offset: {
    status: 400,
    description: 'An output stream offset is not a whole number of bytes; `parameter` names it.',
  },
  invalid_parameters: {
    status: 422,
    description: 'A submission has invalid values; `errors` lists them (see the field codes).',
  },
  invalid_path: {
    status: 400,
    description: 'A path segment of an admin route is not valid; `parameter` names it.',
  },
  invalid_pipeline: {
    status: 422,
    description: 'A pipeline or template submission has invalid steps; `errors` lists them.',
  },
  invalid_query: {
    status: 400,
    description: 'A query parameter is malformed or repeated; `parameter` names it.',
  },
  invalid_token: {
    status: 401,
    description: 'The API token is unknown, revoked, expired or malformed.',
  },
  job_finished: {
    status: 409,
    description: 'The job has already finished: there is nothing to cancel.',
  },
  malformed_multipart: {
    status: 400,
    description: 'The multipart body or its boundary is malformed.',
  },
  method_not_allowed: {
    status: 405,
    description: 'The path does not offer this method; `Allow` lists those it does.',
  },
  missing_field_name: { status: 400, description: 'A form part has no field name.' },
  not_found: {
    status: 404,
    description: 'No such route, service, job, file, pipeline, template or record.',
  },
  pipeline_finished: {
    status: 409,
    description: 'The pipeline has already finished: there is nothing to cancel.',
  },
  priority_not_allowed: {
    status: 403,
    description: "A `priority` above 0 needs a token with the 'priority' scope.",
  },
  range_not_satisfiable: {
    status: 416,
    description: "The `Range` is outside the file; `size` is the file's length.",
  },
  rate_limited: {
    status: 429,
    description: 'Too many requests from this client; `Retry-After` says when to retry.',
  },
  scope_required: {
    status: 403,
    description: 'The token lacks the scope the request needs; `scope` names it.',
  },
  service_unavailable: {
    status: 409,
    description: "The job's service is no longer offered, so the job cannot be rerun.",
  },
  service_unrunnable: {
    status: 503,
    description: 'No runner this server has can run the service.',
  },
  shutting_down: { status: 503, description: 'The server is shutting down; retry shortly.' },
  storage_unavailable: {
    status: 503,
    description: 'The server could not store the upload (a disk error).',
  },
  store_unavailable: {
    status: 503,
    description: 'The job store cannot be reached; `Retry-After` says when to retry.',
  },
  text_too_large: {
    status: 413,
    description: "The request's text fields together are over their limit; `limit` names it.",
  },
  token_required: {
    status: 401,
    description: 'The request needs an API token and sent none.',
  },
  too_large: { status: 413, description: 'The request body is over the size a route reads.' },
  too_many_fields: {
    status: 413,
    description: 'The request has more fields than allowed; `limit` names the setting.',
  },
  too_many_files: {
    status: 413,
    description: 'The request has more files than allowed; `limit` names the setting.',
  },
  too_many_jobs: {
    status: 422,
    description: 'A bulk rerun matches more jobs than one request may rerun.',
  },
  too_many_parts: {
    status: 413,
    description: 'The multipart body has more parts than allowed; `limit` names the setting.',
  },
  too_many_streams: {
    status: [503, 429],
    description: 'Too many output streams are open (503: on the server, 429: for the job).',
  },
  too_many_waiting_jobs: {
    status: 429,
    description: 'The client already has as many jobs waiting as the server queues per client.',
  },
  unsupported_media_type: {
    status: 415,
    description: 'The `Content-Type` is not one the route accepts.',
  },
} as const satisfies Record<string, HttpErrorEntry>;

export type HttpErrorCode = keyof typeof HTTP_ERRORS;

type StatusesOf<S> = S extends readonly (infer N)[] ? N : S extends '4xx' ? number : S;

/** The statuses a code may be answered with: what the throw sites are checked against. */
export type HttpStatusOf<C extends HttpErrorCode> = StatusesOf<(typeof HTTP_ERRORS)[C]['status']>;

/** The codes answered with `status`. */
export type HttpCodeWithStatus<S extends number> = {
  [C in HttpErrorCode]: S extends HttpStatusOf<C> ? C : never;
}[HttpErrorCode];

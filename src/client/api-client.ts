import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { ClientError, EXIT, usageError } from './exit-codes';
import { readBody, send, type StreamedBody } from './http-request';
import {
  asArray,
  asObject,
  fileView,
  jobView,
  serverMessage,
  type FileView,
  type Json,
  type JobView,
} from './resources';

/** JSON answers are small; anything larger is not the API. */
const MAX_JSON_BYTES = 32 * 1024 * 1024;
export const JOB_ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface ApiOptions {
  baseUrl: string;
  token?: string;
  /** Longest silence (ms) on a connection before a request fails. */
  timeoutMs: number;
}

export interface JsonAnswer {
  status: number;
  body: unknown;
  headers: IncomingMessage['headers'];
}

/** The slivka v1.1 API (plus Damson's routes where a server has them) as the client sees it. */
export class ApiClient {
  readonly base: URL;

  constructor(private readonly options: ApiOptions) {
    let base: URL;
    try {
      base = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
    } catch {
      throw usageError(`not a URL: ${options.baseUrl}`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:')
      throw usageError(`the server URL must be http or https: ${options.baseUrl}`);
    this.base = base;
  }

  get timeoutMs(): number {
    return this.options.timeoutMs;
  }

  /** `api/<path>` under the base URL (which may carry a prefix such as `/damson/`). */
  api(path: string): URL {
    return new URL(`api/${path}`, this.base);
  }

  /** A link from an answer (`@url`, `@content`), resolved against the base; only http(s). */
  link(value: string): URL {
    let url: URL;
    try {
      url = new URL(value, this.base);
    } catch {
      throw new ClientError(EXIT.server, 'the server sent a malformed link');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new ClientError(EXIT.server, 'the server sent a link that is not http(s)');
    return url;
  }

  jobUrl(id: string): URL {
    if (!JOB_ID.test(id)) throw usageError(`not a job id: ${id}`);
    return this.api(`jobs/${id}`);
  }

  /**
   * The token goes only to the server it belongs to: a link to another origin (a hostile
   * `@content`) never gets it.
   */
  headersFor(url: URL, extra: OutgoingHttpHeaders = {}): OutgoingHttpHeaders {
    const headers: OutgoingHttpHeaders = { ...extra };
    if (this.options.token && url.origin === this.base.origin)
      headers.Authorization = `Bearer ${this.options.token}`;
    return headers;
  }

  request(
    method: string,
    url: URL,
    init: {
      headers?: OutgoingHttpHeaders;
      body?: Buffer | StreamedBody;
      idleTimeoutMs?: number;
    } = {},
  ): Promise<IncomingMessage> {
    return send(method, url, {
      headers: this.headersFor(url, init.headers),
      body: init.body,
      idleTimeoutMs: init.idleTimeoutMs ?? this.options.timeoutMs,
    });
  }

  /** A JSON request; the answer whatever its status (callers decide what an error is). */
  async json(
    method: string,
    url: URL,
    init: { body?: Buffer | StreamedBody; contentType?: string; idleTimeoutMs?: number } = {},
  ): Promise<JsonAnswer> {
    const headers: OutgoingHttpHeaders = { Accept: 'application/json' };
    if (init.contentType) headers['Content-Type'] = init.contentType;
    const res = await this.request(method, url, { ...init, headers });
    const raw = await readBody(res, MAX_JSON_BYTES, url);
    const status = res.statusCode ?? 0;
    let body: unknown = undefined;
    if (raw.length) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        if (status < 400)
          throw new ClientError(
            EXIT.server,
            `${url.origin} answered with something that is not JSON`,
          );
      }
    }
    return { status, body, headers: res.headers };
  }

  /** A JSON request that must succeed. */
  async ok(
    method: string,
    url: URL,
    init: Parameters<ApiClient['json']>[2] = {},
  ): Promise<unknown> {
    const answer = await this.json(method, url, init);
    if (answer.status >= 300) throw serverMessage(answer.status, answer.body);
    return answer.body;
  }

  async version(): Promise<Json> {
    return asObject(await this.ok('GET', this.api('version')), 'version');
  }

  async services(): Promise<Json[]> {
    const body = asObject(await this.ok('GET', this.api('services')), 'service list');
    return asArray(body.services, 'service list').map((s) => asObject(s, 'service'));
  }

  /** One service: `GET services/{id}` where the server has it, else found in the list. */
  async service(id: string): Promise<Json> {
    const answer = await this.json('GET', this.api(`services/${encodeURIComponent(id)}`));
    if (answer.status === 200) return asObject(answer.body, 'service');
    if (answer.status !== 404) throw serverMessage(answer.status, answer.body);
    const found = (await this.services()).find((s) => s.id === id);
    if (!found)
      throw serverMessage(404, answer.body ?? { error: { message: `no service '${id}'` } });
    return found;
  }

  async job(id: string): Promise<JobView> {
    return jobView(await this.ok('GET', this.jobUrl(id)));
  }

  async jobAt(url: URL): Promise<JobView> {
    return jobView(await this.ok('GET', url));
  }

  async files(job: JobView): Promise<FileView[]> {
    const body = asObject(
      await this.ok('GET', new URL(`${this.link(job.url).href}/files`)),
      'file list',
    );
    return asArray(body.files, 'file list').map(fileView);
  }
}

import type { HttpErrorCode } from '../../src/errors/http-errors';
import type { JobState } from '../../src/jobs/job-state';
import type {
  CommandResource,
  FileResource,
  JobResource,
  ServiceResource,
  UsageRow,
} from '../../src/wire/api-resources';
import { authHeaders, forgetRefusedToken } from './portal-token';

/*
 * The public JSON API, and nothing else. URLs are relative to the page, so the portal works under
 * a `server.prefix` as well as at the root; `@url` and `@content` from the server are used as given.
 */

// The shapes the server sends, declared once beside the server's code (src/wire/). Type-only:
// esbuild erases these imports, so the bundle gains no server code.
export type {
  CommandResource,
  FileResource,
  JobResource,
  ParameterResource,
  ParameterValue,
  PipelineResource,
  PipelineStepResource,
  ServiceResource,
  ServiceStatus,
  TemplateInput,
  TemplateResource,
  UsageRow,
} from '../../src/wire/api-resources';
export type { ErrorBody, FieldError, PipelineError } from '../../src/wire/api-errors';
export type { HttpErrorCode };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }
}

/** The server's JSON error body names the problem; fall back to the status line. */
function errorMessage(status: number, body: unknown): string {
  if (body && typeof body === 'object' && 'error' in body) {
    const error = (body as { error: { message?: unknown } }).error;
    if (error && typeof error.message === 'string') return error.message;
  }
  return `The server answered ${status}.`;
}

export async function requestJson<T>(url: string, init?: RequestInit): Promise<T> {
  let res: Response;
  const auth = authHeaders();
  try {
    res = await fetch(url, {
      ...init,
      headers: { Accept: 'application/json', ...auth, ...init?.headers },
    });
  } catch {
    throw new ApiError(0, 'The server could not be reached.', null);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!res.ok) {
    forgetRefusedToken(res.status, body, 'Authorization' in auth);
    throw new ApiError(res.status, errorMessage(res.status, body), body);
  }
  return body as T;
}

/**
 * A job submission through XMLHttpRequest, the one browser API that reports upload progress, so a
 * large input file shows how far it has got.
 */
export function submitWithProgress(
  serviceId: string,
  form: FormData,
  onProgress: (fraction: number) => void,
): Promise<JobResource> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `api/services/${encodeURIComponent(serviceId)}/jobs`);
    xhr.setRequestHeader('Accept', 'application/json');
    const auth = authHeaders();
    for (const [name, value] of Object.entries(auth)) xhr.setRequestHeader(name, value);
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    });
    xhr.addEventListener('load', () => {
      let body: unknown;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as JobResource);
      else {
        forgetRefusedToken(xhr.status, body, 'Authorization' in auth);
        reject(new ApiError(xhr.status, errorMessage(xhr.status, body), body));
      }
    });
    const unreachable = () => reject(new ApiError(0, 'The server could not be reached.', null));
    xhr.addEventListener('error', unreachable);
    xhr.addEventListener('abort', unreachable);
    xhr.send(form);
  });
}

const enc = encodeURIComponent;

export const api = {
  services: async (): Promise<ServiceResource[]> =>
    (await requestJson<{ services: ServiceResource[] }>('api/services')).services,
  service: (id: string): Promise<ServiceResource> =>
    requestJson<ServiceResource>(`api/services/${enc(id)}`),
  job: (id: string, query = ''): Promise<JobResource> =>
    requestJson<JobResource>(`api/jobs/${enc(id)}${query}`),
  command: (id: string): Promise<CommandResource> =>
    requestJson<CommandResource>(`api/jobs/${enc(id)}/command`),
  files: async (id: string): Promise<FileResource[]> =>
    (await requestJson<{ files: FileResource[] }>(`api/jobs/${enc(id)}/files`)).files,
  cancel: (id: string): Promise<unknown> =>
    requestJson<unknown>(`api/jobs/${enc(id)}`, { method: 'DELETE' }),
  /** The caller's own jobs, newest first (`GET /api/jobs`, scoped by the server). */
  ownJobs: async (limit = 200): Promise<JobResource[]> =>
    (await requestJson<{ jobs: JobResource[] }>(`api/jobs?limit=${limit}`)).jobs,
  stats: async (): Promise<UsageRow[]> => {
    // slivka spells the key `usageStatictics`; accept the corrected spelling too.
    const body = await requestJson<{ usageStatictics?: UsageRow[]; usageStatistics?: UsageRow[] }>(
      'api/stats',
    );
    return body.usageStatistics ?? body.usageStatictics ?? [];
  },
};

// The server's FINISHED_STATES (src/jobs/job-state.ts), as a value the bundle holds itself.
export const FINISHED_STATES = [
  'REJECTED',
  'COMPLETED',
  'INTERRUPTED',
  'DELETED',
  'FAILED',
  'ERROR',
] as const satisfies readonly JobState[];

export function isFinished(job: Pick<JobResource, 'status' | 'finished'>): boolean {
  return job.finished || (FINISHED_STATES as readonly string[]).includes(job.status);
}

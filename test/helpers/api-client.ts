import { waitFor } from './wait-for';

export interface JobBody {
  '@url': string;
  id: string;
  status: string;
  finished: boolean;
  completionTime: string | null;
  parameters: Record<string, unknown>;
}

export const FINISHED = ['REJECTED', 'COMPLETED', 'INTERRUPTED', 'DELETED', 'FAILED', 'ERROR'];

/** A tiny client for tests: the JSON API through fetch, nothing else. */
export class ApiClient {
  constructor(readonly baseUrl: string) {}

  async json<T = Record<string, unknown>>(
    path: string,
    init?: RequestInit,
  ): Promise<{ status: number; body: T; headers: Headers }> {
    const res = await fetch(`${this.baseUrl}${path}`, init);
    const text = await res.text();
    return {
      status: res.status,
      body: (text ? JSON.parse(text) : null) as T,
      headers: res.headers,
    };
  }

  submit(service: string, form: FormData | URLSearchParams) {
    return this.json<JobBody>(`/api/services/${service}/jobs`, { method: 'POST', body: form });
  }

  async job(id: string): Promise<JobBody> {
    return (await this.json<JobBody>(`/api/jobs/${id}`)).body;
  }

  waitForState(id: string, states: string[], timeoutMs = 20_000): Promise<JobBody> {
    return waitFor(
      async () => {
        const job = await this.job(id);
        return states.includes(job.status) ? job : undefined;
      },
      `job ${id} to reach ${states.join('/')}`,
      timeoutMs,
    );
  }

  async files(id: string): Promise<{ path: string; '@content': string; label: string }[]> {
    return (
      await this.json<{ files: { path: string; '@content': string; label: string }[] }>(
        `/api/jobs/${id}/files`,
      )
    ).body.files;
  }

  async bytes(contentPath: string): Promise<string> {
    const res = await fetch(`${this.baseUrl}${contentPath}`);
    if (!res.ok) throw new Error(`GET ${contentPath}: ${res.status}`);
    return res.text();
  }
}

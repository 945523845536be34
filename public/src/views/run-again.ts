import { ApiError, requestJson, type JobResource } from '../api';
import { h } from '../dom';
import type { MyJobs } from '../my-jobs';

/** A fresh key per click: a retry of one click (a dropped answer) never makes a second job. */
function newKey(): string {
  return crypto.randomUUID();
}

/**
 * "Run again": `POST api/jobs/{id}/rerun`, the same service and values (input files by
 * reference), then the new job's page. The click's Idempotency-Key is kept for its retry.
 */
export function runAgainButton(
  job: Pick<JobResource, 'id' | 'service'>,
  serviceName: string,
  myJobs: MyJobs,
  message: HTMLElement,
): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'run-again' }, 'Run again');
  button.addEventListener('click', async () => {
    button.disabled = true;
    const key = newKey();
    const send = () =>
      requestJson<JobResource>(`api/jobs/${encodeURIComponent(job.id)}/rerun`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key },
        body: '{}',
      });
    try {
      // One retry with the same key when the answer was lost: the server makes one job.
      const rerun = await send().catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 0) return send();
        throw error;
      });
      myJobs.add({
        id: rerun.id,
        service: job.service,
        serviceName,
        submittedAt: new Date().toISOString(),
        status: rerun.status,
      });
      location.hash = `#/jobs/${encodeURIComponent(rerun.id)}`;
    } catch (error) {
      message.hidden = false;
      message.textContent = `Could not run again: ${(error as ApiError).message}`;
      button.disabled = false;
    }
  });
  return button;
}

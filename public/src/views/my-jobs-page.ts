import { api, ApiError, type HttpErrorCode, type JobResource } from '../api';
import { h, pageHeading, put } from '../dom';
import { mergeJobs, type MyJob, type MyJobs } from '../my-jobs';
import { portalToken } from '../portal-token';
import { tokenPanel } from './token-panel';

const CONCURRENT_REQUESTS = 4;

function row(job: MyJob, store: MyJobs, onRemove: () => void): HTMLTableRowElement {
  const state = h(
    'span',
    { class: `badge state-${(job.status ?? 'unknown').toLowerCase()}` },
    job.status ?? '…',
  );
  const forget = h(
    'button',
    { type: 'button', class: 'link-button', 'aria-label': `Forget job ${job.id}` },
    'Forget',
  );
  forget.addEventListener('click', () => {
    store.remove(job.id);
    onRemove();
  });
  const tr = h(
    'tr',
    { 'data-job': job.id },
    h('td', {}, h('a', { href: `#/jobs/${encodeURIComponent(job.id)}` }, h('code', {}, job.id))),
    h('td', {}, job.serviceName || job.service),
    h('td', {}, new Date(job.submittedAt).toLocaleString()),
    h('td', { class: 'state-cell' }, state),
    h('td', {}, forget),
  );
  return tr;
}

/** The error's code, typed by the catalogue so that a misspelt comparison fails to compile. */
function errorCode(body: unknown): HttpErrorCode | null {
  const error = body && typeof body === 'object' ? (body as { error?: unknown }).error : null;
  const code = error && typeof error === 'object' ? (error as { code?: unknown }).code : null;
  return typeof code === 'string' ? (code as HttpErrorCode) : null;
}

/**
 * The caller's jobs as the server lists them (its token's, else this browser session's), or why
 * not: a server may list jobs only for token holders (`api.list-jobs: token`).
 */
async function serverJobs(): Promise<{ jobs: JobResource[]; refused: string | null }> {
  try {
    return { jobs: await api.ownJobs(), refused: null };
  } catch (error) {
    const status = error instanceof ApiError ? error.status : 0;
    const code = error instanceof ApiError ? errorCode(error.body) : null;
    const refused =
      code === 'invalid_token'
        ? 'The server did not accept the API token (unknown, revoked or expired), so this browser forgot it; this list comes from this browser only.'
        : status === 401
          ? 'This server lists jobs only for API token holders, so this list comes from this browser only. Add a token below to see your jobs in any browser.'
          : code === 'scope_required'
            ? 'This API token may not list jobs (it lacks the list scope), so this list comes from this browser only.'
            : 'The server’s list of your jobs could not be read, so this list comes from this browser only.';
    return { jobs: [], refused };
  }
}

export async function renderMyJobs(main: HTMLElement, store: MyJobs): Promise<void> {
  const listed = await serverJobs();
  const jobs = mergeJobs(store.list(), listed.jobs);
  const rerenderAll = (): void => {
    void renderMyJobsAgain(main, store);
  };
  put(
    main,
    pageHeading('My jobs'),
    h(
      'p',
      { class: 'lead' },
      'Your jobs, newest first: those the server lists as yours (',
      portalToken() ? 'this browser’s API token' : 'this browser’s session',
      ') and those this browser remembers. Keep a job’s link to open it elsewhere.',
    ),
    ...(listed.refused
      ? [h('p', { class: 'notice', 'data-source': 'browser' }, listed.refused)]
      : []),
    tokenPanel(rerenderAll),
  );
  if (!jobs.length) {
    put(
      main,
      h('p', {}, 'No jobs yet. ', h('a', { href: '#/' }, 'Choose a service'), ' to start one.'),
    );
    return;
  }
  const tbody = h('tbody', {});
  const rows = new Map<string, HTMLTableRowElement>();
  const rerender = (): void => {
    void renderMyJobsAgain(main, store);
  };
  for (const job of jobs) {
    const tr = row(job, store, rerender);
    rows.set(job.id, tr);
    tbody.appendChild(tr);
  }
  const clearAll = h('button', { type: 'button', class: 'secondary' }, 'Forget all');
  clearAll.addEventListener('click', () => {
    store.clear();
    rerender();
  });
  put(
    main,
    h(
      'table',
      { class: 'jobs' },
      h('caption', { class: 'sr-only' }, 'Jobs submitted from this browser'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Job', 'Service', 'Submitted', 'State', ''].map((t) => h('th', { scope: 'col' }, t)),
        ),
      ),
      tbody,
    ),
    h('p', {}, clearAll),
  );

  // Refresh states a few at a time, so a long list does not flood the server.
  const queue = [...jobs];
  const worker = async (): Promise<void> => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      const cell = rows.get(job.id)?.querySelector('.state-cell span');
      try {
        const fresh = await api.job(job.id);
        store.update(job.id, fresh.status);
        if (cell) {
          cell.textContent = fresh.status;
          cell.className = `badge state-${fresh.status.toLowerCase()}`;
        }
      } catch (error) {
        if (cell && error instanceof ApiError && error.status === 404)
          cell.textContent = 'Not found';
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENT_REQUESTS }, worker));
}

async function renderMyJobsAgain(main: HTMLElement, store: MyJobs): Promise<void> {
  main.replaceChildren();
  await renderMyJobs(main, store);
  main.querySelector<HTMLElement>('h1')?.focus();
}

import { api, ApiError } from '../api';
import { h, pageHeading, put } from '../dom';
import type { MyJob, MyJobs } from '../my-jobs';

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

export async function renderMyJobs(main: HTMLElement, store: MyJobs): Promise<void> {
  const jobs = store.list();
  put(
    main,
    pageHeading('My jobs'),
    h(
      'p',
      { class: 'lead' },
      'Jobs submitted from this browser, newest first. The list is kept in this browser only; ',
      'keep a job’s link to open it elsewhere.',
    ),
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

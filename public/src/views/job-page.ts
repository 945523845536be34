import {
  api,
  ApiError,
  isFinished,
  type FileResource,
  type JobResource,
  type ServiceResource,
} from '../api';
import { h, pageHeading, put } from '../dom';
import { pipelineLink } from './pipelines';
import type { MyJobs } from '../my-jobs';
import { watchJob, type WatchMode } from '../watch-job';
import { jobStory } from './job-story';
import { liveTails } from './live-tail';
import { openPreview, outputItem } from './output-preview';
import { commandDetails } from './command-details';
import { runAgainButton } from './run-again';

const FILES_INTERVAL_MS = 2000;

/** Wire timestamps are UTC without a zone (slivka's format); shown in the reader's local time. */
export function parseWireTime(text: string | null): Date | null {
  if (!text) return null;
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)/.exec(text);
  if (!m) return null;
  const [y, mo, d, hh, mm, ss] = m.slice(1).map(Number);
  return new Date(Date.UTC(y, mo - 1, d, hh, mm, ss));
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

const STATE_TEXT: Record<string, string> = {
  PENDING: 'Waiting to be accepted',
  ACCEPTED: 'Accepted',
  QUEUED: 'Queued',
  RUNNING: 'Running',
  COMPLETED: 'Completed',
  FAILED: 'Failed',
  ERROR: 'Error',
  INTERRUPTED: 'Interrupted',
  DELETED: 'Cancelled before it ran',
  REJECTED: 'Rejected',
  CANCELLING: 'Cancelling',
  UNKNOWN: 'Unknown',
};

function valueText(value: JobResource['parameters'][string]): string {
  if (value === null) return '—';
  return Array.isArray(value) ? value.join(', ') : value;
}

export async function renderJobPage(
  main: HTMLElement,
  jobId: string,
  myJobs: MyJobs,
): Promise<() => void> {
  let job = await api.job(jobId);
  const service: ServiceResource | null = await api.service(job.service).catch(() => null);
  document.title = `Job ${job.id} · Damson`;

  const state = h('span', { class: 'state' });
  const stateLine = h(
    'p',
    { class: 'state-line', role: 'status', 'aria-live': 'polite' },
    'Status: ',
    state,
  );
  const mode = h('span', { class: 'muted mode' });
  const submitted = h('dd', {});
  const completed = h('dd', {});
  const duration = h('dd', {});
  const cancel = h('button', { type: 'button', class: 'danger' }, 'Cancel job');
  const message = h('p', { class: 'message', role: 'alert', hidden: true });
  const outputs = h('ul', { class: 'outputs' });
  const outputsNote = h('p', { class: 'muted' }, 'No outputs yet.');
  const names = new Map(service?.parameters.map((p) => [p.id, p.name]) ?? []);
  const rerun = h(
    'a',
    { href: `#/services/${encodeURIComponent(job.service)}?from=${encodeURIComponent(job.id)}` },
    'Run again with these values',
  );
  const shareUrl = new URL(`#/jobs/${encodeURIComponent(job.id)}`, location.href).toString();

  const story = jobStory();
  // Only a job still running when the page opened is tailed live.
  const tails = isFinished(job) ? null : liveTails(job.id);
  const items = new Map<string, ReturnType<typeof outputItem>>();
  let opened = false;
  const showFiles = (files: FileResource[], finished: boolean): void => {
    for (const file of files) {
      let item = items.get(file.id);
      if (!item) {
        item = outputItem(file);
        items.set(file.id, item);
        outputs.appendChild(item.element);
      } else {
        // An open preview follows the file while the job writes it (a log, say).
        item.refresh();
      }
    }
    outputsNote.hidden = files.length > 0;
    // When the job is done, open what it has to say: its first result, or its error log.
    if (finished && !opened && files.length) {
      opened = true;
      const errorLog = (f: FileResource) => /(^|\/)stderr$|\.err$|error/i.test(f.path);
      const first =
        job.status === 'COMPLETED'
          ? (files.find((f) => !errorLog(f)) ?? files[0])
          : (files.find(errorLog) ?? files[0]);
      const element = first && items.get(first.id)?.element;
      if (element) openPreview(element);
    }
  };
  const loadFiles = async (): Promise<void> => {
    try {
      const finished = isFinished(job);
      const files = await api.files(job.id);
      showFiles(files, finished);
      tails?.offer(files);
      myJobs.setOutputs(
        job.id,
        files.map((f) => ({ id: f.id, label: f.label })),
      );
    } catch {
      // Outputs are shown on the next try; the state line says what matters.
    }
  };

  const tick = (): void => {
    const start = parseWireTime(job.submissionTime);
    const end = parseWireTime(job.completionTime);
    submitted.textContent = start ? start.toLocaleString() : job.submissionTime;
    completed.textContent = end ? end.toLocaleString() : '—';
    if (start) {
      const ms = (end ?? new Date()).getTime() - start.getTime();
      duration.textContent = end ? formatDuration(ms) : `${formatDuration(ms)} so far`;
    }
  };

  let contactLost = false;
  const show = (next: JobResource, how?: WatchMode): void => {
    if (contactLost) {
      contactLost = false;
      message.hidden = true;
    }
    const before = job.status;
    job = next;
    state.textContent = STATE_TEXT[job.status] ?? job.status;
    state.className = `state badge state-${job.status.toLowerCase()}`;
    state.setAttribute('data-state', job.status);
    if (how)
      mode.textContent =
        how === 'events'
          ? ' (live)'
          : how === 'long-poll'
            ? ' (waiting for changes)'
            : ' (checked every second)';
    cancel.disabled = isFinished(job) || job.status === 'CANCELLING';
    cancel.hidden = isFinished(job);
    myJobs.update(job.id, job.status);
    story.update(job);
    tick();
    if (before !== job.status || isFinished(job)) void loadFiles();
  };

  cancel.addEventListener('click', async () => {
    cancel.disabled = true;
    try {
      await api.cancel(job.id);
      message.textContent = 'Cancellation requested.';
    } catch (error) {
      message.textContent = `Could not cancel: ${(error as ApiError).message}`;
      cancel.disabled = false;
    }
    message.hidden = false;
  });

  put(
    main,
    h(
      'p',
      { class: 'breadcrumb' },
      h('a', { href: '#/my-jobs' }, 'My jobs'),
      ' › ',
      `Job ${job.id}`,
    ),
    pageHeading(`${service?.name ?? job.service} job`),
    pipelineLink(job),
    h(
      'p',
      { class: 'share' },
      'Link to this page: ',
      h('a', { href: shareUrl, class: 'share-link' }, shareUrl),
    ),
    h(
      'div',
      { class: 'status-card' },
      stateLine,
      mode,
      h('div', { class: 'actions' }, cancel),
      message,
    ),
    story.element,
    h(
      'dl',
      { class: 'timing' },
      h('dt', {}, 'Submitted'),
      submitted,
      h('dt', {}, 'Finished'),
      completed,
      h('dt', {}, 'Duration'),
      duration,
    ),
    tails?.element,
    h('h2', {}, 'Outputs'),
    outputsNote,
    outputs,
    h('h2', {}, 'Parameters'),
    h(
      'table',
      { class: 'params' },
      h(
        'thead',
        {},
        h('tr', {}, h('th', { scope: 'col' }, 'Parameter'), h('th', { scope: 'col' }, 'Value')),
      ),
      h(
        'tbody',
        {},
        Object.entries(job.parameters).map(([id, value]) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, names.get(id) ?? id),
            h('td', {}, h('code', {}, valueText(value))),
          ),
        ),
      ),
    ),
    h('p', {}, runAgainButton(job, service?.name ?? job.service, myJobs, message), ' ', rerun),
    commandDetails(job.id),
  );
  show(job);
  void loadFiles();

  const watcher = isFinished(job)
    ? null
    : watchJob(
        job.id,
        (next, how) => show(next, how),
        (error) => {
          contactLost = error.status === 0 || error.status >= 500;
          message.textContent = contactLost
            ? 'Lost contact with the server; retrying…'
            : error.message;
          message.hidden = false;
        },
      );
  const clock = setInterval(() => {
    if (!isFinished(job)) tick();
  }, 1000);
  const filesTimer = setInterval(() => {
    if (!isFinished(job)) void loadFiles();
  }, FILES_INTERVAL_MS);
  return () => {
    watcher?.stop();
    tails?.stop();
    clearInterval(clock);
    clearInterval(filesTimer);
  };
}

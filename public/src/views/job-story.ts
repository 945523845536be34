import type { JobResource } from '../api';
import { clear, h } from '../dom';
import { parseWireTime } from './job-page';

const localTime = (wire: string): string => parseWireTime(wire)?.toLocaleString() ?? wire;

/**
 * Why the job is where it is, how far it has got (a progress bar), its place in the queue and its
 * timeline. Every text goes in as a text node (dom.ts), whatever a tool or the server wrote.
 */
export function jobStory(): { element: HTMLElement; update: (job: JobResource) => void } {
  const reason = h('p', { class: 'job-reason', hidden: true });
  const bar = h('progress', { max: 100, class: 'job-progress-bar' });
  const percent = h('span', { class: 'job-progress-percent' });
  const message = h('span', { class: 'job-progress-message muted' });
  const progress = h(
    'div',
    { class: 'job-progress', hidden: true },
    h('label', {}, 'Progress ', bar, ' ', percent),
    ' ',
    message,
  );
  const queue = h('p', { class: 'job-queue', hidden: true });
  const timeline = h('ol', { class: 'job-timeline' });
  const timelineBox = h(
    'details',
    { class: 'job-history', hidden: true, open: true },
    h('summary', {}, 'Timeline'),
    timeline,
  );
  const element = h('div', { class: 'job-story' }, reason, progress, queue, timelineBox);

  const update = (job: JobResource): void => {
    // Damson's fields, all optional here: an older server, or a job that has not got that far,
    // leaves them out and the page shows less.
    const story: Partial<JobResource> = job;
    reason.hidden = !story.reason;
    reason.textContent = story.reason ?? '';

    const p = story.progress;
    progress.hidden = !p || typeof p.percent !== 'number';
    if (p && typeof p.percent === 'number') {
      bar.value = p.percent;
      bar.setAttribute('aria-valuetext', `${p.percent}%`);
      percent.textContent = `${p.percent}%`;
      message.textContent = p.message ?? '';
    }

    const waiting = typeof story.queuePosition === 'number' && !job.finished;
    queue.hidden = !waiting;
    if (waiting) {
      const ahead = story.queuePosition as number;
      const start = story.estimatedStart
        ? ` · estimated start ${localTime(story.estimatedStart)}`
        : '';
      queue.textContent = `${ahead === 0 ? 'Next in the queue' : `${ahead} job${ahead === 1 ? '' : 's'} ahead in the queue`}${start} (estimate)`;
    }

    const history = Array.isArray(story.history) ? story.history : [];
    timelineBox.hidden = history.length === 0;
    clear(timeline);
    for (const entry of history) {
      timeline.appendChild(
        h(
          'li',
          { 'data-state': String(entry.state) },
          h('span', { class: 'badge' }, String(entry.state)),
          ' ',
          h('time', { datetime: `${entry.time}Z` }, localTime(String(entry.time))),
        ),
      );
    }
  };
  return { element, update };
}

import type { FileResource } from '../api';
import { h } from '../dom';

/** Text kept on the page per tail: older text is dropped (the whole file is in Outputs). */
const MAX_CHARS = 200_000;
/** Within this many pixels of the bottom counts as "at the bottom": the tail keeps following. */
const BOTTOM_SLACK_PX = 24;
const TAILED = /(^|\/)std(out|err)$/;

/**
 * One output followed as it is written (`GET /api/jobs/{id}/files/{path}/events`): text is
 * appended as a text node, never parsed as markup. The view follows new text while the reader is
 * at the bottom; scrolling up stops that, and scrolling back down resumes it.
 */
function tailOf(jobId: string, file: FileResource): { element: HTMLElement; stop: () => void } {
  const text = h('pre', { class: 'live-tail-text', tabindex: 0 });
  const note = h('span', { class: 'muted live-tail-note' }, ' (live)');
  const element = h(
    'section',
    { class: 'live-tail', 'data-path': file.path },
    h('h3', {}, file.label || file.path, ' ', h('code', {}, file.path), note),
    text,
  );
  const url = `api/jobs/${encodeURIComponent(jobId)}/files/${file.path
    .split('/')
    .map(encodeURIComponent)
    .join('/')}/events`;
  const source = new EventSource(url);
  source.addEventListener('output', (event) => {
    let chunk: unknown;
    try {
      chunk = JSON.parse((event as MessageEvent<string>).data);
    } catch {
      return;
    }
    if (typeof chunk !== 'string') return;
    const atBottom = text.scrollHeight - text.scrollTop - text.clientHeight <= BOTTOM_SLACK_PX;
    text.appendChild(document.createTextNode(chunk));
    if ((text.textContent?.length ?? 0) > MAX_CHARS) {
      text.textContent = (text.textContent ?? '').slice(-MAX_CHARS);
    }
    if (atBottom) text.scrollTop = text.scrollHeight;
  });
  source.addEventListener('end', () => {
    source.close();
    note.textContent = ' (complete)';
    element.setAttribute('data-complete', '');
  });
  source.addEventListener('error', () => {
    // The browser reconnects by itself (resuming at the last byte); closed means for good.
    if (source.readyState === EventSource.CLOSED) note.textContent = '';
  });
  return { element, stop: () => source.close() };
}

/**
 * The live tails of a job's stdout and stderr, added as they appear. Only for a job that was
 * still running when the page opened: a finished job's outputs are under Outputs.
 */
export function liveTails(jobId: string): {
  element: HTMLElement;
  offer: (files: FileResource[]) => void;
  stop: () => void;
} {
  const tails = new Map<string, { element: HTMLElement; stop: () => void }>();
  const list = h('div', { class: 'live-tails' });
  const element = h(
    'div',
    { class: 'live-output', hidden: true },
    h('h2', {}, 'Live output'),
    list,
  );
  let stopped = false;
  return {
    element,
    offer(files) {
      if (stopped) return;
      for (const file of files) {
        if (!TAILED.test(file.path) || tails.has(file.path)) continue;
        const tail = tailOf(jobId, file);
        tails.set(file.path, tail);
        list.appendChild(tail.element);
        element.hidden = false;
      }
    },
    stop() {
      stopped = true;
      for (const tail of tails.values()) tail.stop();
    },
  };
}

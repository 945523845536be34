import type { FileResource } from '../api';
import { h, replace } from '../dom';

const PREVIEW_BYTES = 64 * 1024;
const PREVIEW_LINES = 50;
/** Raster formats a browser shows in <img>; SVG is a document and is never shown inline. */
const INLINE_IMAGES = /^image\/(png|jpeg|gif|webp|avif|bmp)$/i;

export function isInlineImage(file: FileResource): boolean {
  return INLINE_IMAGES.test(file.mediaType) || /\.(png|jpe?g|gif|webp)$/i.test(file.path);
}

export interface Preview {
  text: string;
  truncated: boolean;
  binary: boolean;
  empty: boolean;
}

/** The first lines of an output, read as bytes and decoded; never handed to an HTML parser. */
export async function readPreview(url: string): Promise<Preview> {
  const res = await fetch(url, { cache: 'no-store' });
  if (!res.ok || !res.body) throw new Error(`the file could not be read (${res.status})`);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let more = true;
  while (size < PREVIEW_BYTES) {
    const { done, value } = await reader.read();
    if (done) {
      more = false;
      break;
    }
    chunks.push(value);
    size += value.length;
  }
  if (more) await reader.cancel();
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.length;
  }
  const head = bytes.subarray(0, PREVIEW_BYTES);
  if (head.includes(0)) return { text: '', truncated: false, binary: true, empty: false };
  const text = new TextDecoder('utf-8').decode(head);
  const lines = text.split('\n');
  const truncated = more || size > PREVIEW_BYTES || lines.length > PREVIEW_LINES + 1;
  return {
    text: lines.slice(0, PREVIEW_LINES).join('\n'),
    truncated,
    binary: false,
    empty: size === 0,
  };
}

/**
 * Output links come from the server, but a link is only followed if it stays on this site over
 * http(s): a `javascript:` or foreign URL in a response must not become a clickable link.
 */
export function sameSiteUrl(url: string): string | null {
  try {
    const resolved = new URL(url, location.href);
    const ok = /^https?:$/.test(resolved.protocol) && resolved.origin === location.origin;
    return ok ? url : null;
  } catch {
    return null;
  }
}

export function basename(path: string): string {
  return path.split('/').pop() || path;
}

/** A row for one output: what it is, a preview (text or image) and a download link. */
export function outputItem(file: FileResource): { element: HTMLElement; refresh: () => void } {
  const content = sameSiteUrl(file['@content']);
  const download = h(
    'a',
    { href: content, download: basename(file.path), class: 'button secondary' },
    'Download',
    h('span', { class: 'sr-only' }, ` ${file.label} (${file.path})`),
  );
  const copy = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      title: 'Copy the id to use this file as another job’s input',
    },
    'Copy id',
  );
  copy.addEventListener('click', () => {
    void navigator.clipboard?.writeText(file.id).then(
      () => (copy.textContent = 'Copied'),
      () => (copy.textContent = file.id),
    );
  });
  const body = h('div', { class: 'preview-body' });
  const details = h(
    'details',
    { class: 'preview' },
    h('summary', {}, isInlineImage(file) ? 'Show image' : 'Preview'),
    body,
  );
  let loaded = false;
  /** `quietly` keeps the old preview until the new one is ready, so a refresh does not flicker. */
  const load = async (quietly = false): Promise<void> => {
    loaded = true;
    if (!quietly) replace(body, h('p', { class: 'muted' }, 'Loading…'));
    if (isInlineImage(file)) {
      // An image already shown stays; reloading it every poll would only flicker.
      if (quietly && body.querySelector('img')) return;
      replace(
        body,
        h('img', {
          src: content,
          alt: `${file.label} (${file.path})`,
          class: 'output-image',
        }),
      );
      return;
    }
    try {
      if (!content) throw new Error('the file is not on this site');
      const preview = await readPreview(content);
      if (preview.binary)
        replace(body, h('p', { class: 'muted' }, 'Binary file: download it to look inside.'));
      else if (preview.empty) replace(body, h('p', { class: 'muted' }, 'Empty file.'));
      else
        replace(
          body,
          h(
            'pre',
            { class: 'output-text', tabindex: '0', 'aria-label': `Preview of ${file.label}` },
            preview.text,
          ),
          preview.truncated
            ? h(
                'p',
                { class: 'muted' },
                `First ${PREVIEW_LINES} lines or 64 kB shown; download for the rest.`,
              )
            : null,
        );
    } catch (error) {
      replace(
        body,
        h('p', { class: 'error' }, `No preview: ${String((error as Error).message ?? error)}`),
      );
    }
  };
  details.addEventListener('toggle', () => {
    if (details.open && !loaded) void load();
  });
  const element = h(
    'li',
    { class: 'output', 'data-path': file.path },
    h(
      'div',
      { class: 'output-head' },
      h('span', { class: 'output-label' }, file.label),
      h('code', { class: 'output-path' }, file.path),
      file.mediaType ? h('span', { class: 'muted' }, file.mediaType) : null,
      h('span', { class: 'output-actions' }, download, copy),
    ),
    details,
  );
  return {
    element,
    refresh: () => {
      if (details.open) void load(true);
      else loaded = false;
    },
  };
}

export function openPreview(item: HTMLElement): void {
  const details = item.querySelector('details');
  if (details && !details.open) details.open = true;
}

import type { ParameterResource } from '../api';
import { formatBytes, h, uid } from '../dom';
import type { ItemControl, KnownFile } from './item-control';

/**
 * A file: chosen, dropped onto the zone, or named by an existing file's id (an upload, or another
 * job's output `jobId/path`). A chosen file wins, as on the server.
 */
export function fileControl(
  p: ParameterResource,
  initial: string,
  describedBy: string,
  known: KnownFile[],
): ItemControl {
  const id = uid(`f-${p.id}`);
  const refId = uid(`f-${p.id}-ref`);
  const listId = uid('known-files');
  let chosen: File | null = null;
  const input = h('input', {
    id,
    type: 'file',
    class: 'file-input',
    'aria-describedby': describedBy,
    accept: p.extensions?.length
      ? p.extensions.map((e) => (e.startsWith('.') ? e : `.${e}`)).join(',')
      : null,
  });
  const picked = h('span', { class: 'picked', 'aria-live': 'polite' }, 'No file chosen');
  const clearButton = h(
    'button',
    { type: 'button', class: 'link-button', hidden: true },
    'Remove file',
  );
  const ref = h('input', {
    id: refId,
    type: 'text',
    class: 'ref-input',
    list: known.length ? listId : null,
    placeholder: 'e.g. an output id such as jobId/stdout',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  ref.value = initial;
  const show = (): void => {
    picked.textContent = chosen ? `${chosen.name} (${formatBytes(chosen.size)})` : 'No file chosen';
    clearButton.hidden = !chosen;
  };
  const choose = (file: File | null): void => {
    chosen = file;
    show();
    input.dispatchEvent(new Event('change', { bubbles: true }));
  };
  input.addEventListener('change', () => {
    if (input.files?.length) {
      chosen = input.files[0];
      show();
    }
  });
  clearButton.addEventListener('click', () => {
    input.value = '';
    choose(null);
    input.focus();
  });
  const zone = h(
    'div',
    { class: 'dropzone' },
    h('label', { for: id, class: 'drop-label' }, 'Drop a file here, or choose one: '),
    input,
    h('div', { class: 'picked-row' }, picked, ' ', clearButton),
  );
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('dragging');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('dragging');
    const dropped = e.dataTransfer?.files;
    const file = dropped?.[0];
    if (!file || !dropped) return;
    // Keep the input in step with what was dropped, so it never offers an older choice.
    input.value = '';
    try {
      input.files = dropped;
    } catch {
      // Older browsers cannot assign files; the dropped file is held here all the same.
    }
    choose(file);
  });
  const element = h(
    'div',
    { class: 'file-control' },
    zone,
    h(
      'div',
      { class: 'ref-row' },
      h('label', { for: refId }, 'or use an existing file id: '),
      ref,
      known.length
        ? h(
            'datalist',
            { id: listId },
            known.map((k) => h('option', { value: k.id }, k.label)),
          )
        : null,
    ),
  );
  return {
    element,
    controlId: id,
    read: () => {
      if (chosen) return { kind: 'upload', name: chosen.name };
      const text = ref.value.trim();
      return text ? { kind: 'ref', id: text } : null;
    },
    formValue: () => chosen ?? (ref.value.trim() || null),
    setDisabled: (d) => {
      input.disabled = d;
      ref.disabled = d;
      clearButton.disabled = d;
    },
  };
}

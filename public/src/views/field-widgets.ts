import type { ParameterResource } from '../api';
import { h, uid } from '../dom';
import type { RawItem } from '../form-model';
import { fileControl } from './file-control';
import type { ItemControl, KnownFile } from './item-control';

/** One input of the form: knows how to read itself and how to show a state. */
export interface Widget {
  element: HTMLElement;
  /** The id of the control a label or an error link should point at. */
  controlId: string;
  read(): RawItem[];
  /** What goes into the submitted form: texts, file ids and picked files, in order. */
  formValues(): (string | File)[];
  setDisabled(disabled: boolean): void;
}

export type { ItemControl, KnownFile } from './item-control';

function textControl(p: ParameterResource, initial: string, describedBy: string): ItemControl {
  const id = uid(`f-${p.id}`);
  const numeric = p.type === 'integer' || p.type === 'decimal';
  const input = h('input', {
    id,
    name: p.id,
    type: numeric ? 'number' : 'text',
    step: p.type === 'integer' ? '1' : numeric ? 'any' : null,
    min: numeric && p.min !== undefined && !p.minExclusive ? p.min : null,
    max: numeric && p.max !== undefined && !p.maxExclusive ? p.max : null,
    inputmode: p.type === 'integer' ? 'numeric' : p.type === 'decimal' ? 'decimal' : null,
    autocomplete: 'off',
    'aria-describedby': describedBy,
    'aria-required': p.required ? 'true' : null,
  });
  input.value = initial;
  return {
    element: input,
    controlId: id,
    // A number input hides what it cannot parse; send what the user typed in spirit, so the
    // error is the server's "Invalid ... value" rather than "required".
    read: () => ({ kind: 'text', text: input.validity.badInput ? 'not a number' : input.value }),
    formValue: () => input.value,
    setDisabled: (d) => (input.disabled = d),
  };
}

function choiceControl(p: ParameterResource, initial: string, describedBy: string): ItemControl {
  const id = uid(`f-${p.id}`);
  const select = h(
    'select',
    {
      id,
      name: p.id,
      'aria-describedby': describedBy,
      'aria-required': p.required ? 'true' : null,
    },
    h('option', { value: '' }, p.required ? 'Choose…' : p.default !== null ? 'Default' : 'None'),
    (p.choices ?? []).map((c) => h('option', { value: c }, c)),
  );
  select.value = initial;
  return {
    element: select,
    controlId: id,
    read: () => ({ kind: 'text', text: select.value }),
    formValue: () => select.value,
    setDisabled: (d) => (select.disabled = d),
  };
}

function flagControl(p: ParameterResource, initial: string, describedBy: string): ItemControl {
  const id = uid(`f-${p.id}`);
  const box = h('input', {
    id,
    name: p.id,
    type: 'checkbox',
    value: 'true',
    'aria-describedby': describedBy,
  });
  box.checked = initial !== '' && initial !== 'false';
  // The server replaces an unset flag by its default, so a flag that defaults to on stays on.
  const locked = p.default === true;
  box.disabled = locked;
  return {
    element: box,
    controlId: id,
    read: () => ({ kind: 'text', text: box.checked ? 'true' : '' }),
    formValue: () => (box.checked ? 'true' : ''),
    setDisabled: (d) => (box.disabled = d || locked),
  };
}

function control(
  p: ParameterResource,
  initial: string,
  describedBy: string,
  known: KnownFile[],
): ItemControl {
  switch (p.type) {
    case 'choice':
      return choiceControl(p, initial, describedBy);
    case 'flag':
      return flagControl(p, initial, describedBy);
    case 'file':
      return fileControl(p, initial, describedBy, known);
    default:
      return textControl(p, initial, describedBy);
  }
}

function scalarInitial(p: ParameterResource, given: string[] | undefined): string {
  if (given?.length) return given[0];
  if (p.type === 'file' || p.default === null || p.default === undefined) return '';
  if (p.type === 'flag') return p.default ? 'true' : '';
  return String(Array.isArray(p.default) ? (p.default[0] ?? '') : p.default);
}

export function singleWidget(
  p: ParameterResource,
  given: string[] | undefined,
  describedBy: string,
  known: KnownFile[],
): Widget {
  const c = control(p, scalarInitial(p, given), describedBy, known);
  return {
    element: c.element,
    controlId: c.controlId,
    read: () => {
      const item = c.read();
      return item ? [item] : [];
    },
    formValues: () => {
      const v = c.formValue();
      return v === null || v === '' ? [] : [v];
    },
    setDisabled: c.setDisabled,
  };
}

/** Repeated values: one control per item, with add and remove buttons. */
export function arrayWidget(
  p: ParameterResource,
  given: string[] | undefined,
  describedBy: string,
  known: KnownFile[],
): Widget {
  const items: { control: ItemControl; row: HTMLElement; remove: HTMLButtonElement }[] = [];
  const list = h('ol', { class: 'array-items' });
  let disabled = false;
  const add = h('button', { type: 'button', class: 'secondary' }, `Add ${p.name}`);

  const renumber = (): void => {
    items.forEach((item, i) => {
      item.control.element.setAttribute('aria-label', `${p.name} ${i + 1}`);
      const inner = item.control.element.querySelector('input');
      inner?.setAttribute('aria-label', `${p.name} ${i + 1}`);
      item.remove.textContent = 'Remove';
      item.remove.setAttribute('aria-label', `Remove ${p.name} ${i + 1}`);
      item.remove.disabled = disabled;
    });
  };
  const addItem = (initial: string, focus: boolean): void => {
    const c = control(p, initial, describedBy, known);
    const remove = h('button', { type: 'button', class: 'secondary remove' }, 'Remove');
    const row = h('li', { class: 'array-item' }, c.element, remove);
    const entry = { control: c, row, remove };
    remove.addEventListener('click', () => {
      const index = items.indexOf(entry);
      items.splice(index, 1);
      row.remove();
      renumber();
      const neighbour = items[Math.max(0, index - 1)]?.control.element;
      const target = neighbour?.matches('input,select')
        ? neighbour
        : neighbour?.querySelector<HTMLElement>('input,select');
      (target ?? add).focus();
      list.dispatchEvent(new Event('input', { bubbles: true }));
    });
    items.push(entry);
    list.appendChild(row);
    renumber();
    if (focus)
      (c.element.matches('input,select') ? c.element : c.element.querySelector('input'))?.focus();
  };
  add.addEventListener('click', () => {
    addItem('', true);
    list.dispatchEvent(new Event('input', { bubbles: true }));
  });

  const defaults = Array.isArray(p.default) ? p.default.map(String) : [];
  const initial = given?.length ? given : p.type === 'file' ? [] : defaults;
  for (const value of initial.length ? initial : ['']) addItem(value, false);

  const element = h('div', { class: 'array' }, list, add);
  return {
    element,
    get controlId() {
      return items[0]?.control.controlId ?? '';
    },
    read: () => items.map((i) => i.control.read()).filter((x): x is RawItem => x !== null),
    formValues: () =>
      items
        .map((i) => i.control.formValue())
        .filter((v): v is string | File => v !== null && v !== ''),
    setDisabled: (d) => {
      disabled = d;
      add.disabled = d;
      for (const item of items) item.control.setDisabled(d);
      renumber();
    },
  };
}

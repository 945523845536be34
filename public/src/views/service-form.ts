import {
  api,
  ApiError,
  submitWithProgress,
  type FieldError,
  type ParameterResource,
  type ServiceResource,
} from '../api';
import { clear, h, pageHeading, uid, put } from '../dom';
import { constraintText, FormModel, type RawValues } from '../form-model';
import type { MyJobs } from '../my-jobs';
import { statusBadge } from './catalogue';
import { arrayWidget, singleWidget, type KnownFile, type Widget } from './field-widgets';

interface FieldView {
  resource: ParameterResource;
  widget: Widget;
  container: HTMLElement;
  error: HTMLElement;
  touched: boolean;
}

export interface FormContext {
  myJobs: MyJobs;
  knownFiles: KnownFile[];
  /** Values to start from (a previous job's parameters), by parameter id. */
  prefill: Record<string, string[]>;
  navigate: (hash: string) => void;
  rerender: () => void;
}

function fieldView(r: ParameterResource, ctx: FormContext): FieldView {
  const helpId = uid(`help-${r.id}`);
  const errorId = uid(`error-${r.id}`);
  const describedBy = `${helpId} ${errorId}`;
  const widget = r.array
    ? arrayWidget(r, ctx.prefill[r.id], describedBy, ctx.knownFiles)
    : singleWidget(r, ctx.prefill[r.id], describedBy, ctx.knownFiles);
  const required = r.required
    ? h(
        'span',
        { class: 'required', title: 'required' },
        ' *',
        h('span', { class: 'sr-only' }, ' (required)'),
      )
    : null;
  const notes = constraintText(r);
  const help = h(
    'div',
    { id: helpId, class: 'help' },
    r.description ? h('p', {}, r.description) : null,
    notes.length ? h('p', { class: 'constraints' }, notes.join(' ')) : null,
  );
  const error = h('p', { id: errorId, class: 'error', hidden: true });
  const label =
    r.array || r.type === 'file'
      ? h('legend', {}, r.name, required)
      : h('label', { for: widget.controlId }, r.name, required);
  const container =
    r.array || r.type === 'file'
      ? h(
          'fieldset',
          { class: `field field-${r.type}`, 'data-param': r.id },
          label,
          help,
          widget.element,
          error,
        )
      : h(
          'div',
          { class: `field field-${r.type}`, 'data-param': r.id },
          r.type === 'flag' ? h('div', { class: 'flag-row' }, widget.element, label) : [label],
          r.type === 'flag' ? null : widget.element,
          help,
          error,
        );
  return { resource: r, widget, container, error, touched: false };
}

function showError(view: FieldView, message: string | null): void {
  view.error.textContent = message ?? '';
  view.error.hidden = !message;
  view.container.classList.toggle('invalid', Boolean(message));
  for (const control of view.container.querySelectorAll('input,select,textarea')) {
    if (message) control.setAttribute('aria-invalid', 'true');
    else control.removeAttribute('aria-invalid');
  }
}

export async function renderServiceForm(
  main: HTMLElement,
  serviceId: string,
  ctx: FormContext,
): Promise<void> {
  const service: ServiceResource = await api.service(serviceId);
  document.title = `${service.name} · Damson`;
  const model = new FormModel(service.parameters);
  const views = service.parameters.map((r) => fieldView(r, ctx));
  const summary = h('div', { class: 'error-summary', tabindex: '-1', hidden: true, role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Submit job');
  const progress = h('progress', { max: '1', value: '0', 'aria-label': 'Upload progress' });
  const progressRow = h('p', { class: 'upload-progress', hidden: true }, 'Uploading… ', progress);
  // Rebuilding the form is the only reset that also forgets dropped files and added items.
  const reset = h('button', { type: 'button', class: 'secondary' }, 'Reset');
  reset.addEventListener('click', () => ctx.rerender());
  const form = h(
    'form',
    { class: 'job-form', novalidate: true, 'aria-label': `${service.name} parameters` },
    summary,
    views.map((v) => v.container),
    h('div', { class: 'actions' }, submit, ' ', reset),
    progressRow,
  );

  const raw = (): RawValues =>
    Object.fromEntries(views.map((v) => [v.resource.id, v.widget.read()]));

  const refresh = (showAll: boolean): FieldError[] => {
    const state = model.evaluate(raw());
    for (const v of views) {
      const off = state.disabled.has(v.resource.id);
      v.widget.setDisabled(off);
      v.container.classList.toggle('disabled', off);
      const error = state.errors.find((e) => e.parameter === v.resource.id);
      if (showAll || v.touched) showError(v, error && !off ? error.message : null);
    }
    return state.errors;
  };

  const showSummary = (errors: FieldError[], message: string): void => {
    clear(summary);
    const byId = new Map(views.map((v) => [v.resource.id, v]));
    summary.append(
      h('h2', {}, message),
      h(
        'ul',
        {},
        errors.map((e) => {
          const v = byId.get(e.parameter);
          return h(
            'li',
            {},
            v
              ? h(
                  'a',
                  {
                    href: `#/services/${encodeURIComponent(serviceId)}`,
                    'data-focus': v.widget.controlId,
                  },
                  `${v.resource.name}: ${e.message}`,
                )
              : `${e.parameter}: ${e.message}`,
          );
        }),
      ),
    );
    summary.hidden = false;
    summary.focus();
  };
  summary.addEventListener('click', (e) => {
    const link = (e.target as HTMLElement).closest('a[data-focus]');
    if (!link) return;
    e.preventDefault();
    document.getElementById(link.getAttribute('data-focus') ?? '')?.focus();
  });

  // Editing a field replaces whatever was said about it, the server's word included.
  const edited = (e: Event): void => {
    const v = views.find((view) => view.container.contains(e.target as Node));
    if (v) v.touched = true;
    refresh(false);
  };
  form.addEventListener('input', edited);
  form.addEventListener('change', edited);
  form.addEventListener('focusout', (e) => {
    const v = views.find((view) => view.container.contains(e.target as Node));
    if (v && !v.container.contains(e.relatedTarget as Node | null)) {
      v.touched = true;
      refresh(false);
    }
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const errors = refresh(true);
    if (errors.length) {
      showSummary(errors, 'Please correct these fields');
      return;
    }
    summary.hidden = true;
    const data = new FormData();
    const disabled = model.evaluate(raw()).disabled;
    for (const v of views) {
      if (disabled.has(v.resource.id)) continue;
      for (const value of v.widget.formValues()) {
        if (typeof value === 'string') data.append(v.resource.id, value);
        else data.append(v.resource.id, value, value.name);
      }
    }
    submit.disabled = true;
    submit.textContent = 'Submitting…';
    try {
      const uploading = [...data.values()].some((v) => typeof v !== 'string');
      progressRow.hidden = !uploading;
      progress.value = 0;
      const job = await submitWithProgress(serviceId, data, (fraction) => {
        progress.value = fraction;
      });
      ctx.myJobs.add({
        id: job.id,
        service: service.id,
        serviceName: service.name,
        submittedAt: new Date().toISOString(),
        status: job.status,
      });
      ctx.navigate(`#/jobs/${encodeURIComponent(job.id)}`);
    } catch (error) {
      const apiError = error instanceof ApiError ? error : new ApiError(0, String(error), null);
      const fieldErrors = (apiError.body as { errors?: FieldError[] } | null)?.errors;
      if (apiError.status === 422 && Array.isArray(fieldErrors)) {
        for (const v of views) {
          const fe = fieldErrors.find((x) => x.parameter === v.resource.id);
          showError(v, fe ? fe.message : null);
        }
        showSummary(fieldErrors, 'The server refused some values');
      } else {
        showSummary([], apiError.message);
      }
    } finally {
      submit.disabled = false;
      submit.textContent = 'Submit job';
      progressRow.hidden = true;
    }
  });

  put(
    main,
    h('p', { class: 'breadcrumb' }, h('a', { href: '#/' }, 'Services'), ' › ', service.name),
    h('div', { class: 'title-row' }, pageHeading(service.name), statusBadge(service)),
    service.description ? h('p', { class: 'lead' }, service.description) : null,
    h(
      'p',
      { class: 'meta' },
      service.version ? `Version ${service.version}` : null,
      service.author ? ` · ${service.author}` : null,
      service.license ? ` · ${service.license}` : null,
    ),
    h(
      'p',
      { class: 'hint' },
      'Fields marked ',
      h('span', { class: 'required' }, '*'),
      ' are required.',
    ),
    form,
  );
  refresh(false);
}

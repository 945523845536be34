/*
 * Pipeline templates in the catalogue, a template's generated form, and a pipeline's page with
 * its steps' live states (long-poll of GET /api/pipelines/{id}).
 */
import {
  ApiError,
  requestJson,
  type PipelineResource,
  type TemplateInput,
  type TemplateResource,
} from '../api';
import { h, pageHeading, put, replace } from '../dom';

const enc = encodeURIComponent;

/** The templates' section of the catalogue; nothing when none is published. */
export async function templateSection(): Promise<HTMLElement | null> {
  const { templates } = await requestJson<{ templates: TemplateResource[] }>(
    'api/pipeline-templates',
  ).catch(() => ({ templates: [] as TemplateResource[] }));
  if (!templates.length) return null;
  return h(
    'section',
    { class: 'pipeline-templates' },
    h('h2', {}, 'Pipelines'),
    h(
      'ul',
      { class: 'cards' },
      templates.map((t) =>
        h(
          'li',
          { class: 'card pipeline-card' },
          h('h3', {}, h('a', { href: `#/pipeline-templates/${enc(t.id)}` }, t.name)),
          t.description ? h('p', { class: 'description' }, t.description) : null,
          h('p', { class: 'meta' }, t.steps.map((s) => s.service).join(' → ')),
        ),
      ),
    ),
  );
}

function inputControl(input: TemplateInput, id: string): HTMLInputElement | HTMLSelectElement {
  const p = input.parameter;
  const name = `${input.step}.${p.id}`;
  const value = p.default === null || p.default === undefined ? '' : String(p.default as string);
  if (p.type === 'choice') {
    const choices = p.choices ?? [];
    return h(
      'select',
      { id, name },
      p.required ? null : h('option', { value: '' }, '(default)'),
      choices.map((c) => h('option', { value: c, selected: c === value }, c)),
    );
  }
  if (p.type === 'flag')
    return h('input', { id, name, type: 'checkbox', checked: p.default === true });
  const numeric = p.type === 'integer' || p.type === 'decimal';
  return h('input', {
    id,
    name,
    type: numeric ? 'number' : 'text',
    step: p.type === 'decimal' ? 'any' : null,
    value,
    required: p.required,
    placeholder: p.type === 'file' ? 'an upload id or <job id>/<path>' : null,
  });
}

/** A template's form: one field per value the user supplies, named `<step>.<parameter>`. */
export async function renderTemplateForm(
  view: HTMLElement,
  id: string,
  navigate: (hash: string) => void,
): Promise<void> {
  const template = await requestJson<TemplateResource>(`api/pipeline-templates/${enc(id)}`);
  document.title = `${template.name} · Damson`;
  const message = h('div', { role: 'alert' });
  const fields = template.inputs.map((input, i) => {
    const fieldId = `pipeline-input-${i}`;
    const control = inputControl(input, fieldId);
    const label = `${input.parameter.name} (${input.step})`;
    return {
      input,
      control,
      el: h('div', { class: 'field' }, h('label', { for: fieldId }, label), control),
    };
  });
  const form = h(
    'form',
    { class: 'pipeline-form', novalidate: true },
    fields.map((f) => f.el),
    h('button', { type: 'submit' }, 'Run the pipeline'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const values: Record<string, Record<string, unknown>> = {};
    for (const { input, control } of fields) {
      const value =
        control instanceof HTMLInputElement && control.type === 'checkbox'
          ? control.checked
          : control.value;
      if (value === '') continue;
      const step = (values[input.step] ??= {});
      step[input.parameter.id] = input.parameter.array ? [value] : value;
    }
    requestJson<PipelineResource>(`api/pipeline-templates/${enc(id)}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ values }),
    })
      .then((pipeline) => navigate(`#/pipelines/${enc(pipeline.id)}`))
      .catch((error: unknown) => {
        const body = error instanceof ApiError ? (error.body as { errors?: unknown[] }) : null;
        const lines = (body?.errors ?? []).map((e) => {
          const { step, parameter, message: text } = e as Record<string, string | null>;
          return h('li', {}, `${step ?? ''}${parameter ? ` · ${parameter}` : ''}: ${text ?? ''}`);
        });
        replace(
          message,
          h('p', { class: 'error' }, error instanceof Error ? error.message : String(error)),
          lines.length ? h('ul', {}, lines) : null,
        );
      });
  });
  put(
    view,
    h('p', { class: 'breadcrumb' }, h('a', { href: '#/' }, 'Services'), ' › ', template.name),
    pageHeading(template.name),
    template.description ? h('p', { class: 'lead' }, template.description) : null,
    h(
      'p',
      { class: 'meta' },
      `Steps: ${template.steps.map((s) => `${s.name} (${s.service})`).join(' → ')}`,
    ),
    message,
    form,
  );
}

function stepList(pipeline: PipelineResource): HTMLElement {
  return h(
    'ol',
    { class: 'pipeline-steps' },
    pipeline.steps.map((s) =>
      h(
        'li',
        { class: 'pipeline-step', 'data-step': s.name },
        h('a', { href: `#/jobs/${enc(s.job.id)}` }, `${s.name} (${s.service})`),
        ' ',
        h(
          'span',
          { class: `badge state state-${(s.status ?? 'gone').toLowerCase()}` },
          s.waiting ? 'WAITING' : (s.status ?? 'GONE'),
        ),
        s.reason ? h('span', { class: 'reason' }, ` ${s.reason}`) : null,
      ),
    ),
  );
}

/** On a job page: the pipeline the job is a step of, when it is one. */
export function pipelineLink(job: object): HTMLElement | null {
  const url = (job as { pipeline?: unknown }).pipeline;
  if (typeof url !== 'string') return null;
  const id = url.split('/').pop() ?? '';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) return null;
  return h(
    'p',
    { class: 'pipeline-link' },
    'A step of ',
    h('a', { href: `#/pipelines/${id}` }, `pipeline ${id}`),
  );
}

/** A pipeline's steps with live states until it ends; returns the stop. */
export async function renderPipelinePage(view: HTMLElement, id: string): Promise<() => void> {
  let pipeline = await requestJson<PipelineResource>(`api/pipelines/${enc(id)}`);
  document.title = 'Pipeline · Damson';
  const status = h('p', { class: 'pipeline-status', role: 'status', 'aria-live': 'polite' });
  const steps = h('div', {});
  const show = (): void => {
    status.textContent = `Status: ${pipeline.status}`;
    replace(steps, stepList(pipeline));
  };
  show();
  put(
    view,
    h('p', { class: 'breadcrumb' }, h('a', { href: '#/' }, 'Services'), ' › ', `Pipeline ${id}`),
    pageHeading('Pipeline'),
    status,
    steps,
  );
  let stopped = false;
  const follow = async (): Promise<void> => {
    while (!stopped && !pipeline.finished) {
      try {
        pipeline = await requestJson<PipelineResource>(
          `api/pipelines/${enc(id)}?wait=20&status=${enc(pipeline.status)}`,
        );
        if (!stopped) show();
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    }
  };
  void follow();
  return () => {
    stopped = true;
  };
}

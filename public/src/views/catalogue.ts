import { api, type ServiceResource } from '../api';
import { clear, h, pageHeading, uid, put } from '../dom';
import { templateSection } from './pipelines';

const STATUS_TEXT: Record<string, string> = {
  OK: 'Working',
  WARNING: 'Degraded',
  DOWN: 'Down',
  UNKNOWN: 'Not tested',
};

export function statusBadge(service: ServiceResource): HTMLElement {
  const status = service.status?.status ?? 'UNKNOWN';
  const text = STATUS_TEXT[status] ?? status;
  const detail = service.status?.errorMessage;
  return h(
    'span',
    {
      class: `badge status-${status.toLowerCase()}`,
      title: detail ? `${text}: ${detail}` : text,
    },
    h('span', { class: 'sr-only' }, 'Status: '),
    text,
    detail ? h('span', { class: 'sr-only' }, ` (${detail})`) : null,
  );
}

function matches(service: ServiceResource, query: string, classifier: string): boolean {
  if (classifier && !service.classifiers.includes(classifier)) return false;
  if (!query) return true;
  const haystack = [service.id, service.name, service.description, ...service.classifiers]
    .join(' ')
    .toLowerCase();
  return query
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((word) => haystack.includes(word));
}

function card(service: ServiceResource, pick: (classifier: string) => void): HTMLElement {
  return h(
    'li',
    { class: 'card service-card' },
    h(
      'div',
      { class: 'card-head' },
      h('h2', {}, h('a', { href: `#/services/${encodeURIComponent(service.id)}` }, service.name)),
      statusBadge(service),
    ),
    service.description ? h('p', { class: 'description' }, service.description) : null,
    h(
      'p',
      { class: 'meta' },
      service.version ? `Version ${service.version}` : null,
      service.author ? ` · ${service.author}` : null,
      service.license ? ` · ${service.license}` : null,
    ),
    service.classifiers.length
      ? h(
          'ul',
          { class: 'chips', 'aria-label': 'Classifiers' },
          service.classifiers.map((c) =>
            h(
              'li',
              {},
              h(
                'button',
                {
                  type: 'button',
                  class: 'chip',
                  title: `Show only services classified ${c}`,
                  onclick: () => pick(c),
                },
                c,
              ),
            ),
          ),
        )
      : null,
  );
}

export async function renderCatalogue(main: HTMLElement): Promise<void> {
  const services = await api.services();
  const classifiers = [...new Set(services.flatMap((s) => s.classifiers))].sort();
  const searchId = uid('search');
  const filterId = uid('filter');
  const search = h('input', {
    id: searchId,
    type: 'search',
    autocomplete: 'off',
    placeholder: 'name, description or tag',
  });
  const filter = h(
    'select',
    { id: filterId },
    h('option', { value: '' }, 'All classifiers'),
    classifiers.map((c) => h('option', { value: c }, c)),
  );
  const count = h('p', { class: 'count', role: 'status', 'aria-live': 'polite' });
  const list = h('ul', { class: 'cards' });

  const update = (): void => {
    const shown = services.filter((s) => matches(s, search.value.trim(), filter.value));
    clear(list);
    for (const s of shown)
      list.appendChild(
        card(s, (c) => {
          filter.value = c;
          update();
          filter.focus();
        }),
      );
    if (!services.length) {
      count.textContent = 'No services are installed yet.';
      return;
    }
    if (!shown.length) {
      count.textContent = 'No service matches; clear the search or the classifier.';
      return;
    }
    count.textContent =
      shown.length === services.length
        ? `${services.length} services`
        : `${shown.length} of ${services.length} services`;
  };
  search.addEventListener('input', update);
  filter.addEventListener('change', update);

  put(
    main,
    pageHeading('Services'),
    h(
      'p',
      { class: 'lead' },
      'Choose a tool, fill in its form, and follow the job on its own page.',
    ),
    h(
      'div',
      { class: 'toolbar', role: 'search' },
      h('div', { class: 'field' }, h('label', { for: searchId }, 'Search'), search),
      h('div', { class: 'field' }, h('label', { for: filterId }, 'Classifier'), filter),
    ),
    count,
    list,
    await templateSection(),
  );
  update();
}

/*
 * The portal: a single page with hash routes, so every view has a URL that can be shared and the
 * server needs nothing but static files and the JSON API.
 *   #/                      services
 *   #/services/{id}[?from=] a service's form (optionally filled from an earlier job)
 *   #/jobs/{id}             a job, live
 *   #/my-jobs               jobs submitted from this browser
 *   #/usage                 usage statistics
 *   #/pipeline-templates/{id} a pipeline template's form
 *   #/pipelines/{id}        a pipeline, live
 */
import { api, ApiError, type ParameterValue } from './api';
import { h, pageHeading, put, replace } from './dom';
import { browserJobs } from './my-jobs';
import { renderCatalogue } from './views/catalogue';
import { renderJobPage } from './views/job-page';
import { renderMyJobs } from './views/my-jobs-page';
import { renderPipelinePage, renderTemplateForm } from './views/pipelines';
import { renderServiceForm } from './views/service-form';
import { renderUsage } from './views/usage-page';

const myJobs = browserJobs();
let dispose: (() => void) | null = null;
let generation = 0;

interface Route {
  view: 'catalogue' | 'service' | 'job' | 'my-jobs' | 'usage' | 'template' | 'pipeline' | 'missing';
  id?: string;
  query: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const [path, search = ''] = hash.replace(/^#/, '').split('?');
  const query = new URLSearchParams(search);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { view: 'catalogue', query };
  if (parts[0] === 'services' && parts.length === 2)
    return { view: 'service', id: parts[1], query };
  if (parts[0] === 'jobs' && parts.length === 2) return { view: 'job', id: parts[1], query };
  if (parts[0] === 'my-jobs' && parts.length === 1) return { view: 'my-jobs', query };
  if (parts[0] === 'usage' && parts.length === 1) return { view: 'usage', query };
  if (parts[0] === 'pipeline-templates' && parts.length === 2)
    return { view: 'template', id: parts[1], query };
  if (parts[0] === 'pipelines' && parts.length === 2)
    return { view: 'pipeline', id: parts[1], query };
  return { view: 'missing', query };
}

function navigate(hash: string): void {
  if (location.hash === hash) void render();
  else location.hash = hash;
}

function markNav(view: Route['view']): void {
  const current = view === 'service' ? 'catalogue' : view === 'job' ? 'my-jobs' : view;
  for (const link of document.querySelectorAll<HTMLAnchorElement>('nav a[data-view]')) {
    if (link.dataset.view === current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

async function prefillFrom(jobId: string | null): Promise<Record<string, string[]>> {
  if (!jobId) return {};
  const job = await api.job(jobId).catch(() => null);
  const values: Record<string, string[]> = {};
  for (const [id, value] of Object.entries(job?.parameters ?? {}) as [string, ParameterValue][]) {
    if (value !== null) values[id] = Array.isArray(value) ? value : [value];
  }
  return values;
}

async function render(): Promise<void> {
  const hash = location.hash || '#/';
  // In-page anchors (such as the skip link) are not routes.
  if (!hash.startsWith('#/')) return;
  const mine = ++generation;
  dispose?.();
  dispose = null;
  const main = document.getElementById('main') as HTMLElement;
  const route = parseRoute(hash);
  markNav(route.view);
  main.replaceChildren(h('p', { class: 'muted', role: 'status' }, 'Loading…'));
  main.setAttribute('aria-busy', 'true');
  const view = h('div', { class: `view view-${route.view}` });
  document.title = 'Damson';
  try {
    switch (route.view) {
      case 'catalogue':
        await renderCatalogue(view);
        document.title = 'Services · Damson';
        break;
      case 'service':
        await renderServiceForm(view, route.id ?? '', {
          myJobs,
          knownFiles: myJobs.knownFiles(),
          prefill: await prefillFrom(route.query.get('from')),
          navigate,
          rerender: () => void render(),
        });
        break;
      case 'job': {
        const stop = await renderJobPage(view, route.id ?? '', myJobs);
        if (mine !== generation) stop();
        else dispose = stop;
        break;
      }
      case 'my-jobs':
        document.title = 'My jobs · Damson';
        await renderMyJobs(view, myJobs);
        break;
      case 'usage':
        document.title = 'Usage · Damson';
        await renderUsage(view);
        break;
      case 'template':
        await renderTemplateForm(view, route.id ?? '', navigate);
        break;
      case 'pipeline': {
        const stop = await renderPipelinePage(view, route.id ?? '');
        if (mine !== generation) stop();
        else dispose = stop;
        break;
      }
      default:
        put(
          view,
          pageHeading('Page not found'),
          h('p', {}, h('a', { href: '#/' }, 'Back to the services')),
        );
    }
  } catch (error) {
    const message =
      error instanceof ApiError && error.status === 404
        ? `Not found: ${error.message}`
        : `Something went wrong: ${error instanceof Error ? error.message : String(error)}`;
    replace(
      view,
      pageHeading('Cannot show this page'),
      h('p', { class: 'error', role: 'alert' }, message),
      h('p', {}, h('a', { href: '#/' }, 'Back to the services')),
    );
  }
  if (mine !== generation) return;
  main.replaceChildren(view);
  main.removeAttribute('aria-busy');
  main.querySelector<HTMLElement>('h1')?.focus({ preventScroll: false });
}

function start(): void {
  window.addEventListener('hashchange', () => void render());
  document.querySelector('.skip-link')?.addEventListener('click', (e) => {
    e.preventDefault();
    document.querySelector<HTMLElement>('#main h1')?.focus();
  });
  void render();
}

start();

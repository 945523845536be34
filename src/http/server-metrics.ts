import type { Request, RequestHandler, Response } from 'express';
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Settings } from '../config/settings';
import type { ServiceCatalog } from '../services/service-catalog';
import { metricFamilies } from '../lifecycle/metric-families';

/** Long-poll and event-stream requests, held open until the job changes or the client leaves. */
type StreamKind = 'long-poll' | 'job-events' | 'file-events';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** Seconds: a status GET is well under a millisecond, an upload or long-poll up to a minute. */
const HTTP_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 30, 60];

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The server's HTTP metrics. Every label value comes from a bounded set: a route is the pattern
 * it was registered with (never the path asked for), a service is one the catalog has (an unknown
 * id counts nowhere), a method one of the usual seven.
 */
export class ServerMetrics {
  readonly middleware: RequestHandler;
  private readonly requests: Counter<'route' | 'method' | 'status'>;
  private readonly duration: Histogram<'route' | 'method'>;
  private readonly submissions: Counter<'service'>;
  private readonly rejections: Counter<'service' | 'status'>;
  private readonly streams: Gauge<'kind'>;
  private readonly api: RegExp;
  private readonly submission: RegExp;
  private readonly jobEvents: RegExp;
  private readonly fileEvents: RegExp;
  private readonly longPoll: RegExp;
  private readonly mediaPaths: string[];
  /** Label children by their values: no label hashing on the hot path. */
  private readonly series = new Map<string, { count: () => void; time: (s: number) => void }>();

  constructor(
    readonly registry: Registry,
    private readonly catalog: ServiceCatalog,
    settings: Settings,
  ) {
    const family = metricFamilies(registry);
    this.requests = family.counter(
      'damson_http_requests_total',
      'HTTP requests answered, by route pattern, method and status',
      ['route', 'method', 'status'],
    );
    this.duration = family.histogram(
      'damson_http_request_duration_seconds',
      'Time from a request arriving to its response ending, by route pattern and method',
      ['route', 'method'],
      HTTP_BUCKETS,
    );
    this.submissions = family.counter(
      'damson_submissions_total',
      'Jobs accepted (202) by POST /api/services/{id}/jobs, by service',
      ['service'],
    );
    this.rejections = family.counter(
      'damson_submission_rejections_total',
      'Submissions refused (invalid form 422, too large 413, rate limit 429, low disk 503 ...), by service and status',
      ['service', 'status'],
    );
    this.streams = family.gauge(
      'damson_http_open_streams',
      'Long-poll and event-stream requests open now, by kind',
      ['kind'],
    );
    for (const kind of ['long-poll', 'job-events', 'file-events'] as const)
      this.streams.set({ kind }, 0);
    const prefix = `^(?:${escapeRegExp(settings.server.prefix)})?/api(?:/v1\\.1)?`;
    this.api = new RegExp(`${prefix}(?:/|$|\\?)`);
    this.submission = new RegExp(`${prefix}/services/([^/?]{1,200})/jobs/?(?:\\?|$)`);
    this.jobEvents = new RegExp(`${prefix}/jobs/[^/?]+/events/?(?:\\?|$)`);
    this.fileEvents = new RegExp(`${prefix}/jobs/[^/?]+/files/[^?]+/events/?(?:\\?|$)`);
    this.longPoll = new RegExp(`${prefix}/jobs/[^/?]+/?\\?(?:.*&)?wait=`);
    const { prefix: mount, jobsPath, uploadsPath } = settings.server;
    this.mediaPaths = [jobsPath, uploadsPath].flatMap((p) => [`${mount}${p}/`, `${p}/`]);
    this.middleware = (req, res, next) => {
      this.track(req, res);
      next();
    };
  }

  /** Names the route of a response answered outside the router (the lean status GET, health). */
  static nameRoute(res: Response, route: string): void {
    res.locals.metricsRoute = route;
  }

  private track(req: Request, res: Response): void {
    const start = performance.now();
    const url = req.url;
    const stream = this.streamKind(req.method, url);
    if (stream) this.streams.inc({ kind: stream });
    res.once('close', () => {
      if (stream) this.streams.dec({ kind: stream });
      const method = METHODS.has(req.method) ? req.method : 'other';
      const series = this.seriesOf(this.routeOf(req, res, url), method, res.statusCode);
      series.count();
      series.time((performance.now() - start) / 1000);
      if (method === 'POST') this.countSubmission(url, res.statusCode);
    });
  }

  private seriesOf(route: string, method: string, status: number) {
    const key = `${route} ${method} ${status}`;
    let series = this.series.get(key);
    if (!series) {
      const requests = this.requests.labels({ route, method, status: String(status) });
      const duration = this.duration.labels({ route, method });
      series = { count: () => requests.inc(), time: (s: number) => duration.observe(s) };
      this.series.set(key, series);
    }
    return series;
  }

  private streamKind(method: string, url: string): StreamKind | null {
    // Most requests are neither: two substring checks spare them three regular expressions.
    if (method !== 'GET' || (!url.includes('/events') && !url.includes('wait='))) return null;
    if (this.fileEvents.test(url)) return 'file-events';
    if (this.jobEvents.test(url)) return 'job-events';
    if (this.longPoll.test(url)) return 'long-poll';
    return null;
  }

  private routeOf(req: Request, res: Response, url: string): string {
    const named: unknown = res.locals?.metricsRoute;
    if (typeof named === 'string') return named;
    // Express keeps the matched route on the request: its pattern, e.g. `/jobs/:jid`.
    const pattern: unknown = (req.route as { path?: unknown } | undefined)?.path;
    if (typeof pattern === 'string')
      return this.api.test(url) ? `/api${pattern === '/' ? '' : pattern}` : pattern;
    if (res.statusCode === 404 || res.statusCode === 405) return 'unmatched';
    if (this.mediaPaths.some((p) => url.startsWith(p))) return 'media';
    return this.api.test(url) ? 'api-other' : 'static';
  }

  private countSubmission(url: string, status: number): void {
    const match = this.submission.exec(url);
    if (!match) return;
    let id: string;
    try {
      id = decodeURIComponent(match[1]);
    } catch {
      return;
    }
    // Only services the catalog has: a client inventing ids must not invent label values.
    if (!this.catalog.get(id)) return;
    if (status === 201 || status === 202) this.submissions.inc({ service: id });
    else if (status >= 400) this.rejections.inc({ service: id, status: String(status) });
  }
}

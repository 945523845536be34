import type { Request, RequestHandler } from 'express';
import type { ServerMetricsAccess } from '../config/metrics-settings';
import { checkReadiness, type ReadinessCheck } from '../lifecycle/readiness';
import { ServerMetrics } from './server-metrics';

export interface HealthOptions {
  metrics?: ServerMetrics;
  access: ServerMetricsAccess;
  readiness: Record<string, ReadinessCheck>;
  readinessTimeoutMs: number;
}

const LOOPBACK = /^(?:127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;
const PROXY_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip'];

/**
 * `/metrics`, `/healthz` and `/readyz` at the root of the server's port (outside `/api`, so no
 * slivka route, token or rate limit applies to them), answered before anything else.
 */
export function healthRoutes(options: HealthOptions): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const path = req.path;
    if (path === '/healthz') {
      ServerMetrics.nameRoute(res, '/healthz');
      res.set('Cache-Control', 'no-store').json({ status: 'alive' });
      return;
    }
    if (path === '/readyz') {
      ServerMetrics.nameRoute(res, '/readyz');
      void checkReadiness(options.readiness, options.readinessTimeoutMs).then(
        (state) => {
          res.set('Cache-Control', 'no-store');
          if (state.ready) res.json({ status: 'ready' });
          else res.status(503).json({ status: 'not ready', reasons: state.reasons });
        },
        (error: unknown) => next(error),
      );
      return;
    }
    if (path === '/metrics' && options.metrics && mayReadMetrics(req, options.access)) {
      ServerMetrics.nameRoute(res, '/metrics');
      const { registry } = options.metrics;
      void registry.metrics().then(
        (text) => res.set('Cache-Control', 'no-store').type(registry.contentType).send(text),
        (error: unknown) => next(error),
      );
      return;
    }
    next();
  };
}

/**
 * `local`: a client on this host that did not come through a proxy. A request nginx forwards
 * arrives from loopback too, but carries a forwarding header; spoofing one only gets a 404.
 */
function mayReadMetrics(req: Request, access: ServerMetricsAccess): boolean {
  if (access === 'any') return true;
  if (access === 'off') return false;
  if (!LOOPBACK.test(req.socket.remoteAddress ?? '')) return false;
  return !PROXY_HEADERS.some((name) => req.headers[name] !== undefined);
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { ListenAddress } from '../config/metrics-settings';
import type { Logger } from './logger';
import { checkReadiness, type ReadinessCheck } from './readiness';

export interface MetricsServerOptions {
  registry: Registry;
  /** `/readyz` runs these; without any, `/readyz` is `/healthz`. */
  readiness?: Record<string, ReadinessCheck>;
  readinessTimeoutMs?: number;
}

/**
 * The scheduler's and an agent's own small HTTP endpoint: `/metrics` (Prometheus text),
 * `/healthz` (the process answers) and `/readyz` (its checks hold). GET and HEAD only, no request
 * body read, nothing else served.
 */
export class MetricsServer {
  private server: Server | null = null;

  constructor(
    private readonly options: MetricsServerOptions,
    private readonly log: Logger,
  ) {}

  /**
   * Listens; a port in use (another process, or a second agent on the host without its own
   * `--metrics-address`) is a warning: metrics are for operators, never a reason not to run.
   */
  async listen(address: ListenAddress): Promise<number | null> {
    const server = createServer((req, res) => void this.answer(req, res));
    server.keepAliveTimeout = 5000;
    server.headersTimeout = 10_000;
    server.requestTimeout = 10_000;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(address.port, address.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      this.log.warn(
        { err: error, host: address.host, port: address.port },
        'cannot serve metrics and health at this address; running without them',
      );
      return null;
    }
    this.server = server;
    const bound = server.address();
    const port = typeof bound === 'object' && bound ? bound.port : address.port;
    this.log.info({ host: address.host, port }, 'metrics and health endpoint listening');
    return port;
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return send(res, 405, 'application/json', JSON.stringify({ error: 'GET only' }), {
          Allow: 'GET, HEAD',
        });
      }
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/metrics') {
        const { registry } = this.options;
        return send(res, 200, registry.contentType, await registry.metrics());
      }
      if (path === '/healthz') return send(res, 200, 'application/json', '{"status":"alive"}');
      if (path === '/readyz') {
        const state = await checkReadiness(
          this.options.readiness ?? {},
          this.options.readinessTimeoutMs ?? 2000,
        );
        const body = state.ready
          ? { status: 'ready' }
          : { status: 'not ready', reasons: state.reasons };
        return send(res, state.ready ? 200 : 503, 'application/json', JSON.stringify(body));
      }
      send(res, 404, 'application/json', JSON.stringify({ error: 'not found' }));
    } catch (error) {
      this.log.error({ err: error }, 'metrics endpoint failed');
      if (!res.headersSent) send(res, 500, 'application/json', '{"error":"internal error"}');
      else res.destroy();
    }
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

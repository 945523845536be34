import type { Request, Response, Router } from 'express';
import { isRunnerKind, RUNNER_KINDS } from '../jobs/runner-kind';
import type {
  AgentRecord,
  DrainRecord,
  PauseRecord,
  PauseTargetKind,
} from '../store/admin-records';
import { addRoute } from './add-route';
import { badQuery, strictQuery } from './admin-query';
import { adminCaller } from './admin-scope';
import type { AppContext } from './app-context';
import { bulkCancel } from './bulk-cancel';
import { HttpError, notFound } from './http-error';
import { wireTimestamp } from './timestamp';

/** A pause reason is shown to every client whose job waits on it: one short line. */
const MAX_REASON_CHARS = 200;
/** An agent is reported lost once this many heartbeats pass without word from it. */
const LOST_AFTER_HEARTBEATS = 3;

type AgentState = 'active' | 'draining' | 'drained' | 'lost';

function agentResource(
  agent: AgentRecord,
  drain: DrainRecord | undefined,
  lostBeforeMs: number,
): Record<string, unknown> {
  const lost = agent.publishedAt.getTime() < lostBeforeMs;
  // Drained only once a record published after the request shows the agent holding nothing.
  const settled =
    drain !== undefined &&
    agent.jobIds.length === 0 &&
    agent.publishedAt.getTime() >= drain.requestedAt.getTime();
  const state: AgentState = lost ? 'lost' : drain ? (settled ? 'drained' : 'draining') : 'active';
  return {
    name: agent.name,
    kinds: agent.kinds,
    state,
    slots: agent.slots,
    busy: agent.busy,
    free: Math.max(0, agent.slots - agent.busy),
    jobs: agent.jobIds,
    lastHeard: wireTimestamp(agent.lastHeardAt),
    drain: drain
      ? { requestedBy: drain.requestedBy, requestedAt: wireTimestamp(drain.requestedAt) }
      : null,
  };
}

function pauseResource(pause: PauseRecord): Record<string, unknown> {
  return {
    kind: pause.kind,
    name: pause.name,
    reason: pause.reason,
    pausedBy: pause.pausedBy,
    pausedAt: wireTimestamp(pause.pausedAt),
  };
}

/** Routes take no query but where they say so; an agent name is text an agent chose. */
function noQuery(req: Request): void {
  strictQuery(req, []);
}

function pathName(req: Request, parameter: 'sid' | 'kind' | 'name'): string {
  const name = String(req.params[parameter]);
  if (name.length > 200 || /\p{Cc}/u.test(name))
    throw new HttpError(400, 'invalid_path', `not a valid ${parameter}`, { parameter });
  return name;
}

/**
 * The admin API under `/admin`: every route needs a token with the `admin` scope, and every
 * change is logged with the token's name.
 */
export function adminRoutes(router: Router, ctx: AppContext): void {
  const heartbeatMs = ctx.settings.scheduler.heartbeatIntervalMs;

  addRoute(router, '/admin/agents', {
    get: async (req, res) => {
      adminCaller(res);
      noQuery(req);
      const [agents, drains] = await Promise.all([
        ctx.store.admin.listAgents(),
        ctx.store.admin.listDrains(),
      ]);
      const byAgent = new Map(drains.map((d) => [d.agent, d]));
      const lostBeforeMs = Date.now() - LOST_AFTER_HEARTBEATS * heartbeatMs;
      res.json({
        agents: agents.map((a) => agentResource(a, byAgent.get(a.name), lostBeforeMs)),
        // Drains asked for agents the scheduler has not published (yet): shown, not lost.
        pendingDrains: drains
          .filter((d) => !agents.some((a) => a.name === d.agent))
          .map((d) => ({
            agent: d.agent,
            requestedBy: d.requestedBy,
            requestedAt: wireTimestamp(d.requestedAt),
          })),
      });
    },
  });

  addRoute(router, '/admin/agents/:name/drain', {
    post: async (req, res) => {
      const admin = adminCaller(res);
      noQuery(req);
      const agent = pathName(req, 'name');
      const known = (await ctx.store.admin.listAgents()).some((a) => a.name === agent);
      if (!known) throw notFound(`agent '${agent}'`);
      const changed = await ctx.store.admin.drain({
        agent,
        requestedBy: admin,
        requestedAt: new Date(),
      });
      ctx.log.info({ admin, action: 'drain', agent, changed }, 'admin action');
      ctx.wake();
      res.status(changed ? 201 : 200).json({ agent, draining: true, changed });
    },
    delete: async (req, res) => {
      const admin = adminCaller(res);
      noQuery(req);
      const agent = pathName(req, 'name');
      const changed = await ctx.store.admin.undrain(agent);
      if (!changed) throw notFound(`a drain of agent '${agent}'`);
      ctx.log.info({ admin, action: 'undrain', agent }, 'admin action');
      ctx.wake();
      res.json({ agent, draining: false, changed });
    },
  });

  addRoute(router, '/admin/pauses', {
    get: async (req, res) => {
      adminCaller(res);
      noQuery(req);
      res.json({ pauses: (await ctx.store.admin.listPauses()).map(pauseResource) });
    },
  });

  const pauseRoutes = (kind: PauseTargetKind, parameter: 'sid' | 'kind') => {
    const target = (req: Request): string => {
      const name = pathName(req, parameter);
      if (kind === 'service' && !ctx.catalog.get(name)) throw notFound(`service '${name}'`);
      if (kind === 'runner' && !isRunnerKind(name))
        throw new HttpError(
          400,
          'invalid_path',
          `'${name.slice(0, 40)}' is not a runner kind (${RUNNER_KINDS.join(', ')})`,
          { parameter: 'runner' },
        );
      return name;
    };
    const pause = async (req: Request, res: Response): Promise<void> => {
      const admin = adminCaller(res);
      const query = strictQuery(req, ['reason']);
      const name = target(req);
      const reason = query.get('reason') ?? null;
      if (reason !== null && reason.length > MAX_REASON_CHARS)
        throw badQuery('reason', `'reason' is longer than ${MAX_REASON_CHARS} characters`);
      const record = { kind, name, reason, pausedBy: admin, pausedAt: new Date() };
      const changed = await ctx.store.admin.pause(record);
      ctx.pauses?.invalidate();
      ctx.log.info({ admin, action: 'pause', kind, name, reason, changed }, 'admin action');
      res.status(changed ? 201 : 200).json({ kind, name, paused: true, changed });
    };
    const resume = async (req: Request, res: Response): Promise<void> => {
      const admin = adminCaller(res);
      noQuery(req);
      const name = target(req);
      const changed = await ctx.store.admin.resume(kind, name);
      ctx.pauses?.invalidate();
      ctx.log.info({ admin, action: 'resume', kind, name, changed }, 'admin action');
      ctx.wake();
      res.json({ kind, name, paused: false, changed });
    };
    return { pause, resume };
  };
  const services = pauseRoutes('service', 'sid');
  addRoute(router, '/admin/services/:sid/pause', { post: services.pause });
  addRoute(router, '/admin/services/:sid/resume', { post: services.resume });
  const runners = pauseRoutes('runner', 'kind');
  addRoute(router, '/admin/runners/:kind/pause', { post: runners.pause });
  addRoute(router, '/admin/runners/:kind/resume', { post: runners.resume });

  addRoute(router, '/admin/jobs/cancel', { post: bulkCancel(ctx) });
}

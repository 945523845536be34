import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { methodNotAllowed } from './http-error';

export type Handler = (req: Request, res: Response, next: NextFunction) => unknown;
export type RouteMethods = Partial<Record<'get' | 'post' | 'delete', Handler | Handler[]>>;

/** Registers one path; any other method on it is a 405 naming the allowed ones. */
export function addRoute(router: Router, path: string, methods: RouteMethods): void {
  const route = router.route(path);
  for (const [method, handlers] of Object.entries(methods) as [keyof RouteMethods, Handler][]) {
    route[method](...([] as Handler[]).concat(handlers).map((h) => h as RequestHandler));
  }
  route.all(methodNotAllowed(Object.keys(methods).map((m) => m.toUpperCase())));
}

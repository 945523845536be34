import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line written while serving one HTTP request carries. */
export interface RequestContext {
  requestId: string;
}

const current = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` (and everything it awaits or schedules) as part of the request `context`. */
export function runInRequest<T>(context: RequestContext, fn: () => T): T {
  return current.run(context, fn);
}

/** The id of the request being served here, or undefined outside any request. */
export function currentRequestId(): string | undefined {
  return current.getStore()?.requestId;
}

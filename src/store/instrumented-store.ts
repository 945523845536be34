import type { JobStore } from './job-store';

/** Receives the time of each store operation (metrics); `failed` when it threw or rejected. */
export type StoreTimer = (operation: string, seconds: number, failed: boolean) => void;

/** Record groups the store exposes as properties; their methods are timed as `group.method`. */
const GROUPS = ['retention', 'operations'] as const;

/**
 * The same store, each method call timed. Operation names are the method names of the code (a
 * bounded set), never anything a client sent. Calls that return no promise are not timed.
 *
 * The answer is an object whose prototype is the store, with a timed own method for each of the
 * store's methods (found once, here): reading any other property is an ordinary prototype lookup,
 * where a Proxy would trap every access on the hot path.
 */
export function instrumentStore(store: JobStore, timer: StoreTimer): JobStore {
  const timed = withTimedMethods(store, '', timer);
  for (const group of GROUPS) {
    const records: unknown = store[group];
    if (records && typeof records === 'object')
      Object.defineProperty(timed, group, {
        value: withTimedMethods(records, `${group}.`, timer),
        enumerable: true,
      });
  }
  return timed;
}

function withTimedMethods<T extends object>(target: T, prefix: string, timer: StoreTimer): T {
  const timed = Object.create(target) as T;
  for (const name of methodNames(target)) {
    const method = (target as Record<string, unknown>)[name] as (...args: unknown[]) => unknown;
    Object.defineProperty(timed, name, {
      value: timedMethod(target, method, prefix + name, timer),
      enumerable: false,
    });
  }
  return timed;
}

/** The methods of an object's class chain (and its own function properties), once each. */
function methodNames(target: object): string[] {
  const names = new Set<string>();
  for (let o: object | null = target; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const name of Object.getOwnPropertyNames(o)) {
      if (name === 'constructor') continue;
      const descriptor = Object.getOwnPropertyDescriptor(o, name);
      // Getters stay getters: only plain function values are methods.
      if (descriptor && typeof descriptor.value === 'function') names.add(name);
    }
  }
  return [...names];
}

function timedMethod(
  object: object,
  method: (...args: unknown[]) => unknown,
  operation: string,
  timer: StoreTimer,
): (...args: unknown[]) => unknown {
  return (...args: unknown[]) => {
    // performance.now(): a double, where hrtime.bigint() would allocate on every call.
    const start = performance.now();
    let result: unknown;
    try {
      result = method.apply(object, args);
    } catch (error) {
      timer(operation, (performance.now() - start) / 1000, true);
      throw error;
    }
    if (result instanceof Promise) {
      result.then(
        () => timer(operation, (performance.now() - start) / 1000, false),
        () => timer(operation, (performance.now() - start) / 1000, true),
      );
    }
    return result;
  };
}

import type { JobStore } from './job-store';

/** Receives the time of each store operation (metrics); `failed` when it threw or rejected. */
export type StoreTimer = (operation: string, seconds: number, failed: boolean) => void;

/** Record groups the store exposes as properties; their methods are timed as `group.method`. */
const GROUPS = new Set(['retention', 'operations']);

/**
 * The same store, each method call timed. Operation names are the method names of the code (a
 * bounded set), never anything a client sent. Calls that return no promise are not timed.
 */
export function instrumentStore(store: JobStore, timer: StoreTimer): JobStore {
  return timed(store, '', timer);
}

function timed<T extends object>(target: T, prefix: string, timer: StoreTimer): T {
  const wrappers = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property, object);
      if (typeof property !== 'string') return value;
      if (GROUPS.has(property) && prefix === '' && value && typeof value === 'object') {
        let group = wrappers.get(property);
        if (!group) wrappers.set(property, (group = timed(value, `${property}.`, timer)));
        return group;
      }
      if (typeof value !== 'function') return value;
      let wrapper = wrappers.get(property);
      if (!wrapper) {
        wrapper = timedMethod(
          object,
          value as (...args: unknown[]) => unknown,
          prefix + property,
          timer,
        );
        wrappers.set(property, wrapper);
      }
      return wrapper;
    },
  });
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
    const seconds = (): number => (performance.now() - start) / 1000;
    let result: unknown;
    try {
      result = method.apply(object, args);
    } catch (error) {
      timer(operation, seconds(), true);
      throw error;
    }
    if (result instanceof Promise) {
      result.then(
        () => timer(operation, seconds(), false),
        () => timer(operation, seconds(), true),
      );
    }
    return result;
  };
}

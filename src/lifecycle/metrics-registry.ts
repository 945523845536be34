import { Registry, collectDefaultMetrics } from 'prom-client';
import { metricFamilies } from './metric-families';

/**
 * One registry per process (never prom-client's global one: tests build several apps in one
 * process), with Node's process metrics (CPU, memory, event-loop delay, open handles) unless
 * `processMetrics` is false (an app built in a test process: those are the test runner's).
 */
export function newMetricsRegistry({ processMetrics = true } = {}): Registry {
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry });
  return registry;
}

/** Time of one store operation; `failed` when it threw or rejected. */
export type StoreObserver = (operation: string, seconds: number, failed: boolean) => void;

/** Latency in seconds: a SQLite read is tens of microseconds, a MongoDB write milliseconds. */
const STORE_BUCKETS = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];

/** `damson_store_operation_seconds` and `damson_store_errors_total`, by operation name. */
export function storeMetrics(registry: Registry): StoreObserver {
  const family = metricFamilies(registry);
  const seconds = family.histogram(
    'damson_store_operation_seconds',
    'Time of job store operations, by operation (the JobStore method)',
    ['operation'],
    STORE_BUCKETS,
  );
  const errors = family.counter(
    'damson_store_errors_total',
    'Job store operations that failed (the store unreachable, a write refused by the driver)',
    ['operation'],
  );
  // One label child per operation: no label hashing on every store call.
  const children = new Map<string, ReturnType<typeof seconds.labels>>();
  return (operation, time, failed) => {
    let child = children.get(operation);
    if (!child) children.set(operation, (child = seconds.labels({ operation })));
    child.observe(time);
    if (failed) errors.inc({ operation });
  };
}

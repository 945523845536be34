import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * Declares metric families in one registry: a name, what it counts (its help) and its label
 * names, and for a histogram its buckets. Every process's metrics are declared through it, so the
 * server's and the scheduler's share one way of saying so.
 */
export interface MetricFamilies {
  counter<L extends string>(name: string, help: string, labelNames: L[]): Counter<L>;
  gauge<L extends string>(name: string, help: string, labelNames: L[]): Gauge<L>;
  histogram<L extends string>(
    name: string,
    help: string,
    labelNames: L[],
    buckets: number[],
  ): Histogram<L>;
}

export function metricFamilies(registry: Registry): MetricFamilies {
  const registers = [registry];
  return {
    counter: (name, help, labelNames) => new Counter({ name, help, labelNames, registers }),
    gauge: (name, help, labelNames) => new Gauge({ name, help, labelNames, registers }),
    histogram: (name, help, labelNames, buckets) =>
      new Histogram({ name, help, labelNames, buckets, registers }),
  };
}

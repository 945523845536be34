/* eslint-disable @typescript-eslint/no-require-imports -- the parser ships no types */
const parsePrometheusText = require('parse-prometheus-text-format') as (
  text: string,
) => MetricFamily[];
/* eslint-enable @typescript-eslint/no-require-imports */

export interface MetricSample {
  value?: string;
  labels?: Record<string, string>;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: string;
  metrics: MetricSample[];
}

/**
 * Parses the Prometheus text format with a real parser (it throws on a malformed line). The
 * parser (parse-prometheus-text-format 1.x) merges the series of a labelled histogram into one,
 * so histograms are read as their three plain series (`_bucket`, `_sum`, `_count`), each a family
 * of its own with every label kept: the text is parsed once as it is (to validate it) and once
 * with `histogram` types declared `untyped`.
 */
export function parseMetrics(text: string): Map<string, MetricFamily> {
  const asIs = parsePrometheusText(text);
  const families = new Map<string, MetricFamily>();
  const plain = parsePrometheusText(text.replace(/^(# TYPE \S+) histogram$/gm, '$1 untyped'));
  // A histogram's series alternate (buckets, sum, count of one label set, then the next), so one
  // name comes back as several families: they are one.
  for (const family of plain) {
    const same = families.get(family.name);
    if (same) same.metrics.push(...family.metrics);
    else families.set(family.name, { ...family, metrics: [...family.metrics] });
  }
  // Keep the declared types of the families that were not rewritten.
  for (const family of asIs) {
    const same = families.get(family.name);
    if (same) same.type = family.type;
  }
  return families;
}

/** The sum of the samples of `name` whose labels include `labels`; 0 when there is none. */
export function sampleValue(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Record<string, string> = {},
): number {
  let total = 0;
  for (const sample of families.get(name)?.metrics ?? []) {
    if (Object.entries(labels).every(([key, value]) => sample.labels?.[key] === value))
      total += Number(sample.value);
  }
  return total;
}

/** Every label value of every sample (to look for values a client could have injected). */
export function allLabelValues(families: Map<string, MetricFamily>): string[] {
  return [...families.values()].flatMap((f) =>
    f.metrics.flatMap((sample) => Object.values(sample.labels ?? {})),
  );
}

export async function scrape(url: string, init?: RequestInit): Promise<Map<string, MetricFamily>> {
  const res = await fetch(url, init);
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  return parseMetrics(await res.text());
}

import type { UsageRow } from './api';

/** Jobs per month per service, as a dense table: months ascending, services by total. */
export interface UsageTable {
  months: string[];
  services: string[];
  /** counts[monthIndex][serviceIndex] */
  counts: number[][];
  max: number;
}

export function usageTable(rows: UsageRow[]): UsageTable {
  const months = [...new Set(rows.map((r) => r.month))].sort();
  const totals = new Map<string, number>();
  for (const r of rows) totals.set(r.service, (totals.get(r.service) ?? 0) + r.count);
  const services = [...totals.keys()].sort(
    (a, b) => (totals.get(b) ?? 0) - (totals.get(a) ?? 0) || a.localeCompare(b),
  );
  const counts = months.map(() => services.map(() => 0));
  for (const r of rows) counts[months.indexOf(r.month)][services.indexOf(r.service)] += r.count;
  const max = Math.max(0, ...counts.map((row) => row.reduce((a, b) => a + b, 0)));
  return { months, services, counts, max };
}

/** A round step for the axis: 1, 2 or 5 times a power of ten, about five ticks in all. */
export function tickStep(max: number): number {
  if (max <= 5) return 1;
  const raw = max / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  return step ?? 10 * power;
}

/** After Okabe–Ito (colour-blind safe), darkened where needed for 3:1 contrast on white. */
export const PALETTE = [
  '#0072B2',
  '#D55E00',
  '#00805E',
  '#B4478F',
  '#8C6D00',
  '#3A5FCD',
  '#000000',
];

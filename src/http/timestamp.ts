/** slivka's wire format, exactly `YYYY-MM-DDTHH:MM:SS` (UTC, no zone, no fraction): clients parse it strictly. */
export function wireTimestamp(date: Date): string {
  return date.toISOString().slice(0, 19);
}

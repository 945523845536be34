/** Reasons longer than this are cut: an engine's message may quote a whole script. */
const MAX_REASON_CHARS = 500;

/**
 * A message from an engine tool, made fit for a job's public `reason`: absolute paths (job
 * directories, spool files, configuration) become `…`, control characters and runs of spaces
 * become one space, and it is cut to a bounded length.
 */
export function publicReason(message: string): string {
  const text = message
    .replace(/(^|[\s'"=:(,])\/[^\s'"`,;)]*/g, '$1…')
    .replace(/[\p{Cc}\s]+/gu, ' ')
    .trim();
  return text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS - 1)}…` : text;
}

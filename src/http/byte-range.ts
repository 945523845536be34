/**
 * What a `Range` request header asks of a file of `size` bytes (RFC 9110 §14), reduced to what
 * Damson serves: one byte range. `none`: answer 200 with the whole file (no header, a unit other
 * than bytes, or a header that does not parse, which the RFC says to ignore); `multiple`: several
 * ranges, also answered 200 whole (allowed by the RFC; multipart/byteranges is not implemented);
 * `unsatisfiable`: 416; `single`: 206 with inclusive `start`..`end`.
 */
export type ByteRange =
  | { kind: 'none' }
  | { kind: 'multiple' }
  | { kind: 'unsatisfiable' }
  | { kind: 'single'; start: number; end: number };

/** Longer headers are ignored unread: no client needs more for one or a few ranges. */
const MAX_HEADER_LENGTH = 256;
/** 15 digits stay exact in a double; larger positions are no file Damson serves. */
const POSITION = /^\d{1,15}$/;
const NONE: ByteRange = { kind: 'none' };

export function parseByteRange(header: string | string[] | undefined, size: number): ByteRange {
  if (typeof header !== 'string' || header.length > MAX_HEADER_LENGTH) return NONE;
  const equals = header.indexOf('=');
  if (equals < 0 || header.slice(0, equals).trim().toLowerCase() !== 'bytes') return NONE;
  const specs = header
    .slice(equals + 1)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (specs.length === 0) return NONE;
  const parsed = specs.map(parseSpec);
  if (parsed.some((p) => p === null)) return NONE;
  if (parsed.length > 1) return { kind: 'multiple' };
  return resolve(parsed[0] as Spec, size);
}

type Spec = { first: number; last: number | null } | { suffix: number };

function parseSpec(spec: string): Spec | null {
  const dash = spec.indexOf('-');
  if (dash < 0) return null;
  const first = spec.slice(0, dash).trim();
  const last = spec.slice(dash + 1).trim();
  if (first === '') return POSITION.test(last) ? { suffix: Number(last) } : null;
  if (!POSITION.test(first)) return null;
  if (last === '') return { first: Number(first), last: null };
  if (!POSITION.test(last) || Number(last) < Number(first)) return null;
  return { first: Number(first), last: Number(last) };
}

function resolve(spec: Spec, size: number): ByteRange {
  if ('suffix' in spec) {
    if (spec.suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'single', start: Math.max(0, size - spec.suffix), end: size - 1 };
  }
  if (spec.first >= size) return { kind: 'unsatisfiable' };
  const end = spec.last === null ? size - 1 : Math.min(spec.last, size - 1);
  return { kind: 'single', start: spec.first, end };
}

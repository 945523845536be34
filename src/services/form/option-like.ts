import { splitWords } from '../command/split-words';
import type { Parameter, Service } from '../service';
import type { CleanValue } from './form-values';

/** An environment reference, which may expand to nothing, ahead of the value in a word. */
const LEADING_ENV =
  /^(?:\$\{(?!value\})[A-Za-z_][A-Za-z0-9_]*\}|\$(?!value(?![A-Za-z0-9_]))[A-Za-z_][A-Za-z0-9_]*)*/;
const PLACEHOLDER_FIRST = /^(?:\$\(value\)|\$\{value\}|\$value(?![A-Za-z0-9_]))/;

/**
 * Whether a value of this argument can begin a word of the command line, where a tool's option
 * parser would take a leading `-` as an option: `$(value)`, or `--name $(value)`, but not
 * `--name=$(value)`. Environment references are assumed to expand to nothing (the worst case).
 */
function valueStartsWord(template: string): boolean {
  let words: string[];
  try {
    words = splitWords(template);
  } catch {
    return true;
  }
  return words.some((word) => PLACEHOLDER_FIRST.test(word.replace(LEADING_ENV, '')));
}

const cache = new WeakMap<Service, Set<string>>();

/** Ids of the text parameters whose values begin a command-line word. */
function wordStarters(service: Service): Set<string> {
  let ids = cache.get(service);
  if (ids === undefined) {
    ids = new Set(service.args.filter((arg) => valueStartsWord(arg.template)).map((arg) => arg.id));
    cache.set(service, ids);
  }
  return ids;
}

/**
 * Refuses a text value that would reach the tool as an option (`words=--repeat=3000000`
 * got around the bound of another parameter). A service allows it with `allow-leading-dash: true`.
 */
export function optionLikeValue(
  service: Service,
  p: Parameter,
  value: CleanValue,
): string | undefined {
  if (p.kind !== 'text' || p.allowLeadingDash || value === null) return undefined;
  if (!wordStarters(service).has(p.id)) return undefined;
  const values = Array.isArray(value) ? value : [value];
  const at = values.findIndex((v) => typeof v === 'string' && v.startsWith('-'));
  if (at < 0) return undefined;
  const which = Array.isArray(value) ? `Value ${at + 1} begins` : 'Value begins';
  return `${which} with '-', so the tool would read it as an option; this parameter does not allow that`;
}

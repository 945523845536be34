/** `$NAME`, `${NAME}` and `$$`; `value` is reserved for the parameter placeholder and kept. */
const REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)|\$\(value\)/g;

/**
 * Expands environment references against `env` only (unknown names become empty, as in slivka).
 * The value placeholders `$(value)`, `${value}` and `$value` are left for `substituteValue`.
 */
export function expandEnv(text: string, env: Record<string, string>): string {
  return text.replace(REFERENCE, (match, braced?: string, bare?: string) => {
    if (match === '$$') return '$';
    const name = braced ?? bare;
    if (name === undefined || name === 'value') return match;
    // Own names only: `$constructor` must not find Object.prototype's.
    return Object.hasOwn(env, name) ? env[name] : '';
  });
}

const PLACEHOLDER = /\$\(value\)|\$\{value\}|\$value(?![A-Za-z0-9_])/g;

/** Puts a user value into a word in one pass: the value itself is never scanned again. */
export function substituteValue(word: string, value: string): string {
  return word.replace(PLACEHOLDER, () => value);
}

/* eslint-disable no-control-regex -- matching control characters is the point here */
/**
 * Every byte from a server is hostile: a job id, a service name, an error message or a file name
 * could carry escape sequences that rewrite the user's terminal (move the cursor, change the
 * title, fake a prompt) or bidirectional overrides that reorder what is shown. Text printed for
 * people goes through `safeText`; JSON output through `safeJson`.
 */

/** C0 controls, DEL, C1 controls (0x9B is a one-byte CSI), bidi overrides and isolates. */
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_KEEP_LINES =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const escapeChar = (c: string): string => {
  const code = c.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
};

/** One line of text from the server, made inert: every control character becomes `\xNN`. */
export function safeText(value: unknown): string {
  return String(value ?? '').replace(UNSAFE, escapeChar);
}

/** Log text for a terminal: keeps newlines and tabs, escapes every other control character. */
export function safeLog(text: string): string {
  return text.replace(UNSAFE_KEEP_LINES, escapeChar);
}

/**
 * JSON that is safe on a terminal and still the same JSON: JSON.stringify escapes C0 controls
 * but not DEL, C1 controls or bidi characters, so those become `\uNNNN` escapes too.
 */
export function safeJson(value: unknown, indent = 2): string {
  return JSON.stringify(value, null, indent).replace(
    /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

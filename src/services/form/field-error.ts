/** slivka's error codes and messages (reference/slivka.md §6.2), verbatim. */
export interface FieldError {
  parameter: string;
  errorCode: string;
  message: string;
}

export type Converted<T> = { ok: true; value: T } | { ok: false; code: string; message: string };

export const invalid = <T>(message: string, code = 'invalid'): Converted<T> => ({
  ok: false,
  code,
  message,
});

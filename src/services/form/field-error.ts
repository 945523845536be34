/** slivka's form error codes and messages, verbatim (its clients match on them). */
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

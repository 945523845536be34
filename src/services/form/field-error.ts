import type { FieldErrorCode } from '../../errors';
import type { FieldError } from '../../wire/api-errors';

/** slivka's form error codes and messages, verbatim (its clients match on them). */
export type { FieldError };

export type Converted<T> =
  { ok: true; value: T } | { ok: false; code: FieldErrorCode; message: string };

export const invalid = <T>(message: string, code: FieldErrorCode = 'invalid'): Converted<T> => ({
  ok: false,
  code,
  message,
});

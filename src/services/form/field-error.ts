import type { FieldErrorCode } from '../../errors';

/** slivka's form error codes and messages, verbatim (its clients match on them). */
export interface FieldError {
  parameter: string;
  errorCode: FieldErrorCode;
  message: string;
}

export type Converted<T> =
  { ok: true; value: T } | { ok: false; code: FieldErrorCode; message: string };

export const invalid = <T>(message: string, code: FieldErrorCode = 'invalid'): Converted<T> => ({
  ok: false,
  code,
  message,
});

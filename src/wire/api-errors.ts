import type { FieldErrorCode } from '../errors/field-errors';
import type { HttpErrorCode } from '../errors/http-errors';

/**
 * The JSON of the REST API's error answers, typed once for the server and the portal (the codes
 * are those of the catalogue in src/errors/, documented in docs/errors.md). Types only.
 */

/** One invalid value of a job submission: slivka's shape, which its clients read. */
export interface FieldError {
  parameter: string;
  errorCode: FieldErrorCode;
  message: string;
}

/** A problem with one pipeline step (or, with step null, the whole body). */
export interface PipelineError {
  step: string | null;
  parameter: string | null;
  errorCode: FieldErrorCode;
  message: string;
}

/** Every error answer: the `error` object, with details naming what is at fault. */
export interface ErrorBody {
  error: { code: HttpErrorCode; message: string; [detail: string]: unknown };
  /** With `invalid_parameters` (FieldError) or `invalid_pipeline` (PipelineError). */
  errors?: FieldError[] | PipelineError[];
}

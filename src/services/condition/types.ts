/**
 * A validated parameter value as a condition sees it. Files are opaque: a condition can only ask
 * whether one was given (or count them in an array), never look inside.
 */
export type ConditionValue = number | string | boolean | null | ConditionValue[] | { kind: 'file' };

export type ParamKind = 'integer' | 'decimal' | 'text' | 'flag' | 'choice' | 'file';

export interface ParamTypeInfo {
  kind: ParamKind;
  array: boolean;
}

/** Raised only while compiling; evaluation never throws. `column` is 1-based. */
export class ConditionError extends Error {
  constructor(
    message: string,
    readonly column?: number,
  ) {
    super(message);
    this.name = 'ConditionError';
  }
}

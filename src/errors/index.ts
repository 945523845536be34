/**
 * The one catalogue of Damson's error codes (docs/errors.md is generated from it) and the
 * DamsonError classes.
 */
export * from './damson-error';
export * from './field-errors';
export * from './http-errors';
export * from './process-errors';

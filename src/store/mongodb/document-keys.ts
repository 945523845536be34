import { MongoServerError } from 'mongodb';

/** MongoDB's (and FerretDB's) error code for an insert whose unique key is taken. */
export const DUPLICATE_KEY = 11000;

/** Whether a write failed because its unique key (an `_id`, a unique index) is taken. */
export function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === DUPLICATE_KEY;
}

/** An unambiguous string _id for a pair (FerretDB looks documents up fast only by string _id). */
export const pairId = (a: string, b: string): string => JSON.stringify([a, b]);

/** By code point, as SQLite's ORDER BY sorts text. */
export const compareCodePoints = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

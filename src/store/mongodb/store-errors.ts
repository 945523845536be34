import {
  MongoClientClosedError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerClosedError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  MongoError,
} from 'mongodb';
import { DamsonError, StoreUnavailableError } from '../../errors';

/** Hides the user name and password of a connection string: `mongodb://***@host/`. */
export function redactUrl(text: string): string {
  return text.replace(/(mongodb(?:\+srv)?:\/\/)[^@/\s]*@/gi, '$1***@');
}

const UNREACHABLE = [
  MongoNetworkError,
  MongoServerSelectionError,
  MongoNotConnectedError,
  MongoTopologyClosedError,
  MongoServerClosedError,
  MongoClientClosedError,
];

/** Labels the driver puts on errors that mean "the server went away", not "the write was wrong". */
const UNREACHABLE_LABELS = ['ResetPool', 'RetryableWriteError', 'TransientTransactionError'];

function isUnreachable(error: unknown): boolean {
  if (UNREACHABLE.some((type) => error instanceof type)) return true;
  return error instanceof MongoError && UNREACHABLE_LABELS.some((l) => error.hasErrorLabel(l));
}

/**
 * Turns a driver error into Damson's: an unreachable server becomes StoreUnavailableError (the
 * server answers 503, the scheduler retries); anything else keeps its code but never a credential.
 */
export function translateError(error: unknown): Error {
  if (error instanceof DamsonError) return error;
  if (isUnreachable(error)) {
    const unavailable = new StoreUnavailableError();
    // Operators see why in the logs; clients only ever see the plain message.
    const reason = error instanceof Error ? error.message : String(error);
    Object.defineProperty(unavailable, 'reason', { value: redactUrl(reason), enumerable: true });
    return unavailable;
  }
  if (error instanceof MongoError) {
    return new DamsonError(
      'store_failed',
      `MongoDB refused the operation: ${redactUrl(error.message)}`,
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}

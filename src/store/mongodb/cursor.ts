import { ObjectId, type Filter } from 'mongodb';
import type { JobDocument } from './job-document';

/** Where a page ended: the last job's submission time and tie-breaker, opaque to clients. */
export interface CursorPosition {
  submittedAt: Date;
  order: ObjectId;
}

export function encodeCursor(doc: CursorPosition): string {
  return Buffer.from(`${doc.submittedAt.getTime()}.${doc.order.toHexString()}`).toString(
    'base64url',
  );
}

/** null when the cursor was not made by encodeCursor. */
export function decodeCursor(cursor: string): CursorPosition | null {
  const [ms, order] = Buffer.from(cursor, 'base64url').toString().split('.');
  if (!/^\d+$/.test(ms ?? '') || !ObjectId.isValid(order ?? '')) return null;
  return { submittedAt: new Date(Number(ms)), order: new ObjectId(order) };
}

/** Jobs that come after `position` in newest-first order. */
export function olderThan(position: CursorPosition): Filter<JobDocument> {
  return {
    $or: [
      { submittedAt: { $lt: position.submittedAt } },
      { submittedAt: position.submittedAt, order: { $lt: position.order } },
    ],
  };
}

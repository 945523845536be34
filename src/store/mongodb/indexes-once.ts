import type { IndexDescription } from 'mongodb';

/** How a record group runs one store operation (translated errors, the connection ready). */
export type StoreRun = <T>(operation: () => Promise<T>) => Promise<T>;

/** A collection that can create an index (any document type). */
interface Indexable {
  createIndex(
    key: IndexDescription['key'],
    options: Omit<IndexDescription, 'key'>,
  ): Promise<string>;
}

/**
 * `run`, but only once a record group's own indexes exist: `create` runs at the first operation,
 * and again at the next one after it failed (the server was away).
 */
export function runWithIndexes(run: StoreRun, create: () => Promise<void>): StoreRun {
  let indexed: Promise<void> | null = null;
  return (operation) =>
    run(async () => {
      indexed ??= create().catch((error: unknown) => {
        indexed = null;
        throw error;
      });
      await indexed;
      return operation();
    });
}

/**
 * Creates each index with its own call: FerretDB 1.24 drops the connection when a multi-index
 * createIndexes names an index that already exists, while a single one is an idempotent no-op.
 */
export async function createEachIndex(
  collection: Indexable,
  indexes: readonly IndexDescription[],
): Promise<void> {
  for (const { key, ...options } of indexes) await collection.createIndex(key, options);
}

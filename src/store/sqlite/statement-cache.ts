import type Database from 'better-sqlite3';

/**
 * Compiling a statement costs more than running a primary-key lookup, so each SQL text is
 * prepared once and reused (bounded, since some statements are built per call). It wraps the
 * connection's own `prepare`, so every module that shares the connection shares the cache.
 */
export function cacheStatements(db: Database.Database, max = 256): void {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, Database.Statement>();
  db.prepare = ((sql: string) => {
    let statement = cache.get(sql);
    if (!statement) {
      if (cache.size >= max) cache.clear();
      statement = prepare(sql);
      cache.set(sql, statement);
    }
    return statement;
  }) as typeof db.prepare;
}

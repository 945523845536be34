import Database from 'better-sqlite3';

/**
 * A connection whose `prepare` compiles each SQL text once: compiling a statement costs more than
 * running a primary-key lookup. The cache is bounded, since some statements are built per call.
 * Every module handed this connection shares the cache through the ordinary `prepare` it calls.
 */
export class StatementCachingDatabase extends Database {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    file: string,
    private readonly maxStatements = 256,
  ) {
    super(file);
  }

  override prepare<BindParameters extends unknown[] | object = unknown[], Result = unknown>(
    sql: string,
  ): Database.Statement<BindParameters, Result> {
    let statement = this.statements.get(sql);
    if (!statement) {
      if (this.statements.size >= this.maxStatements) this.statements.clear();
      statement = super.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement as Database.Statement<BindParameters, Result>;
  }
}

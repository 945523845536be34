import { StatementCachingDatabase } from '../../src/store/sqlite/statement-cache';

describe('StatementCachingDatabase', () => {
  it('compiles a SQL text once and hands back the same statement', () => {
    const db = new StatementCachingDatabase(':memory:');
    const first = db.prepare('SELECT 1 AS one');
    expect(db.prepare('SELECT 1 AS one')).toBe(first);
    expect(db.prepare('SELECT 2 AS two')).not.toBe(first);
    expect(first.get()).toEqual({ one: 1 });
    db.close();
  });

  it('keeps at most its bound of statements, so texts built per call cannot grow it', () => {
    const db = new StatementCachingDatabase(':memory:', 3);
    const first = db.prepare('SELECT 0');
    for (let i = 1; i <= 3; i++) db.prepare(`SELECT ${i}`);
    expect(db.prepare('SELECT 0')).not.toBe(first);
    db.close();
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openStore } from '../../src/bin/open-store';
import { loadSettings } from '../../src/config/load-settings';
import { ConfigError } from '../../src/errors';
import { MongoJobStore } from '../../src/store/mongodb/mongo-job-store';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store';

describe('store settings', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(path.join(tmpdir(), 'damson-settings-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  const load = (yaml: string): ReturnType<typeof loadSettings> => {
    writeFileSync(path.join(home, 'settings.yaml'), `version: '0.8'\n${yaml}`);
    return loadSettings({ DAMSON_HOME: home });
  };

  it('defaults to SQLite and keeps finished jobs', async () => {
    const settings = load('');
    expect(settings.store).toEqual({
      kind: 'sqlite',
      file: path.join(home, 'data', 'damson.sqlite'),
    });
    expect(settings.retention.finishedJobDays).toBeNull();
    const store = await openStore(settings);
    expect(store).toBeInstanceOf(SqliteJobStore);
    await store.close();
  });

  it("switches to MongoDB with one line, and reads slivka's mongodb keys", async () => {
    const byUrl = load('store.url: mongodb://db.example:27017/\n');
    expect(byUrl.store).toEqual({
      kind: 'mongodb',
      url: 'mongodb://db.example:27017/',
      database: 'damson',
    });
    const store = await openStore(byUrl);
    expect(store).toBeInstanceOf(MongoJobStore);
    await store.close();
    const slivka = load(
      'mongodb:\n  host: db.example:27017\n  username: user\n  password: "p@ss"\n  database: slivka\n',
    );
    expect(slivka.store).toEqual({
      kind: 'mongodb',
      url: 'mongodb://user:p%40ss@db.example:27017/',
      database: 'slivka',
    });
  });

  it('reads the retention age and rejects a bad one', () => {
    expect(load('store.retention-days: 30\n').retention.finishedJobDays).toBe(30);
    expect(() => load('store.retention-days: 0\n')).toThrow(ConfigError);
    expect(() => load('store.retention-days: soon\n')).toThrow(/store\.retention-days/);
  });
});

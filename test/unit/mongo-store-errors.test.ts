import { MongoJobStore } from '../../src/store/mongodb/mongo-job-store';
import { redactUrl } from '../../src/store/mongodb/store-errors';
import { StoreUnavailableError } from '../../src/errors';
import { freePort } from '../helpers/free-port';

describe('MongoDB store errors', () => {
  it('hides credentials in connection strings', () => {
    expect(redactUrl('failed: mongodb://damson:s3cret@db.example:27017/x')).toBe(
      'failed: mongodb://***@db.example:27017/x',
    );
    expect(redactUrl('mongodb+srv://u:p%40ss@cluster0/')).toBe('mongodb+srv://***@cluster0/');
    expect(redactUrl('mongodb://db.example/')).toBe('mongodb://db.example/');
  });

  it('reports an unreachable server as StoreUnavailableError, without the password', async () => {
    // Nothing listens on this port: every operation fails fast with "unavailable".
    const port = await freePort();
    const store = new MongoJobStore({
      url: `mongodb://damson:s3cret@127.0.0.1:${port}/`,
      database: 'damson',
    });
    try {
      const error = await store.getJob('AAAAAAAAAAAAAAAA').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(
        JSON.stringify({ ...(error as object), message: (error as Error).message }),
      ).not.toMatch(/s3cret/);
      await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    } finally {
      await store.close();
    }
  });

  it('turns a malformed URL into a coded error that does not echo the password', () => {
    let caught: unknown;
    try {
      new MongoJobStore({ url: 'mongodb://damson:s3cret@host:notaport/', database: 'd' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(Error);
    expect((caught as Error).message).not.toMatch(/s3cret/);
  });
});

import { MongoClient } from 'mongodb';
import { createApiToken } from '../../src/bin/api-token-admin';
import type { ApiSettings } from '../../src/config/api-settings';
import { hashTokenSecret } from '../../src/http/token-secret';
import { MongoJobStore } from '../../src/store/mongodb/mongo-job-store';
import { describeWithMongo, mongoStoreFactory } from '../helpers/ferretdb';
import { accessRecordsContract } from './access-records.contract';

jest.setTimeout(120_000);

describeWithMongo()('Access records contract: MongoDB', () => {
  const openStore = mongoStoreFactory();
  accessRecordsContract({
    open: openStore,
    // Its database is dropped with the suite's others.
    dispose: (store) => store.close(),
  });

  it('holds no secret in clear text: the whole database, read directly, has only its hash', async () => {
    const database = openStore.database();
    const store = new MongoJobStore({ url: openStore.url(), database });
    const { secret } = await createApiToken(
      store.tokens,
      { tokens: [] } as unknown as ApiSettings,
      {
        name: 'in-ferretdb',
        scopes: 'priority',
      },
    );
    await store.close();
    const client = new MongoClient(openStore.url());
    try {
      const db = client.db(database);
      let everything = '';
      for (const { name } of await db.listCollections().toArray())
        everything += JSON.stringify(await db.collection(name).find({}).toArray());
      expect(everything).toContain('in-ferretdb');
      expect(everything).toContain(hashTokenSecret(secret));
      expect(everything).not.toContain(secret);
      expect(everything).not.toContain(secret.slice(7, 27));
    } finally {
      await client.close();
    }
  });
});

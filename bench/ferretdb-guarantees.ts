/**
 * `node dist/bench/ferretdb-guarantees.js [URL]`: which single-document operations a MongoDB-wire
 * server makes atomic, as the MongoDB store relies on (docs/mongodb-store.md). 8 clients race on
 * the same document ROUNDS times per operation; a round with more than one winner means the
 * operation is not atomic there. Also whether `$$NOW`, pipeline updates and transactions work.
 * Without URL it starts a private FerretDB (scripts/ferretdb.sh; DAMSON_FERRETDB_HANDLER picks
 * the backend).
 */
import { MongoClient, type Collection } from 'mongodb';
import { report } from './bench-lib';
import { startFerretDb } from './ferretdb-server';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const RACERS = 8;

interface Doc {
  _id: string;
  version?: number;
  owner?: number;
}

/** Rounds in which more than one racer's `race` reported a win. */
async function doubleWins(
  cols: Collection<Doc>[],
  seed: (id: string) => Doc,
  race: (col: Collection<Doc>, id: string, racer: number) => Promise<boolean>,
): Promise<number> {
  await cols[0].deleteMany({});
  let doubles = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const id = `d${i}`;
    await cols[0].insertOne(seed(id));
    const wins = await Promise.all(cols.map((col, racer) => race(col, id, racer)));
    if (wins.filter(Boolean).length > 1) doubles++;
  }
  return doubles;
}

const outcome = async (probe: () => Promise<unknown>): Promise<string> => {
  try {
    return `ok: ${JSON.stringify(await probe())}`;
  } catch (error) {
    return `refused: ${(error as Error).message}`;
  }
};

async function main(): Promise<void> {
  const ferret = process.argv[2] ? null : startFerretDb();
  const url = process.argv[2] ?? ferret!.url;
  const clients = await Promise.all(
    Array.from({ length: RACERS }, () => new MongoClient(url).connect()),
  );
  const database = `guarantees_${process.pid}`;
  const cols = clients.map((client) => client.db(database).collection<Doc>('docs'));
  try {
    const versioned = (id: string): Doc => ({ _id: id, version: 0 });
    const results = {
      findOneAndUpdateDoubleWins: await doubleWins(
        cols,
        versioned,
        async (col, id, racer) =>
          (await col.findOneAndUpdate(
            { _id: id, version: 0 },
            { $set: { version: 1, owner: racer } },
          )) !== null,
      ),
      updateOneDoubleWins: await doubleWins(
        cols,
        versioned,
        async (col, id, racer) =>
          (await col.updateOne({ _id: id, version: 0 }, { $set: { version: 1, owner: racer } }))
            .modifiedCount === 1,
      ),
      deleteOneDoubleWins: await doubleWins(
        cols,
        (id) => ({ _id: id }),
        async (col, id) => (await col.deleteOne({ _id: id })).deletedCount === 1,
      ),
      insertOneDoubleWins: await doubleWins(
        cols,
        (id) => ({ _id: `${id}-seed` }),
        async (col, id) =>
          col.insertOne({ _id: `${id}-ticket` }).then(
            () => true,
            () => false,
          ),
      ),
      now: await outcome(() =>
        cols[0].aggregate([{ $limit: 1 }, { $project: { at: '$$NOW' } }]).toArray(),
      ),
      pipelineUpdate: await outcome(() =>
        cols[0].updateOne({}, [{ $set: { at: '$$NOW' } }]).then((r) => r.modifiedCount),
      ),
      transaction: await outcome(async () => {
        const session = clients[0].startSession();
        try {
          await session.withTransaction(() => cols[0].insertOne({ _id: 'tx' }, { session }));
          return 'committed';
        } finally {
          await session.endSession();
        }
      }),
    };
    report('ferretdb-guarantees', {
      server: ferret ? `FerretDB (${process.env.DAMSON_FERRETDB_HANDLER ?? 'postgresql'})` : url,
      racers: RACERS,
      rounds: ROUNDS,
      ...results,
    });
  } finally {
    await clients[0]
      .db(database)
      .dropDatabase()
      .catch(() => undefined);
    await Promise.all(clients.map((client) => client.close()));
    ferret?.stop();
  }
  process.exit(0);
}

void main();

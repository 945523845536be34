import type { JobStore } from '../src/store/job-store';
import { MongoJobStore } from '../src/store/mongodb/mongo-job-store';
import { SqliteJobStore } from '../src/store/sqlite/sqlite-job-store';

/** Which store a child process should open, passed as JSON on its command line. */
export type StoreSpec =
  { kind: 'sqlite'; file: string } | { kind: 'mongodb'; url: string; database: string };

export function openStoreSpec(spec: StoreSpec): JobStore {
  return spec.kind === 'sqlite'
    ? new SqliteJobStore(spec.file)
    : new MongoJobStore({ url: spec.url, database: spec.database });
}

import { sqliteStores } from '../helpers/sqlite-stores';
import { pipelineRecordsContract } from './pipeline-records.contract';

describe('Pipeline records contract: SQLite', () => {
  pipelineRecordsContract(sqliteStores('damson-pipelines-'));
});

import { createLogger } from '../../src/lifecycle/logger';
import { LocalExecutor } from '../../src/runners/local/local-executor';
import { describeRunnerConformance } from './runner-conformance';

jest.setTimeout(60_000);

describeRunnerConformance({
  name: 'local',
  runnerType: 'ShellRunner',
  setUp: async () => true,
  tearDown: async () => undefined,
  createExecutor: ({ journalFile, slots }) =>
    new LocalExecutor(
      { slots, journalFile, outputQuotaBytes: 1024 * 1024 * 1024, checkIntervalMs: 100 },
      createLogger('conformance', 'silent'),
    ),
  holdParameters: null,
  killOutside: async (externalId) => {
    process.kill(-Number(externalId), 'SIGKILL');
  },
  patienceMs: 15_000,
});

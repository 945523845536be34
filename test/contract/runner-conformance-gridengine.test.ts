import { clusterHarness } from './cluster-harness';
import { describeRunnerConformance } from './runner-conformance';

jest.setTimeout(90_000);

describeRunnerConformance(clusterHarness('gridengine'));

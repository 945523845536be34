import { pipelineSuite } from './pipelines-suite';

jest.setTimeout(90_000);

pipelineSuite(async () => ({}));

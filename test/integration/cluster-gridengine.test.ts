import { describeClusterEndToEnd } from './cluster-end-to-end';

jest.setTimeout(120_000);

describeClusterEndToEnd('gridengine');

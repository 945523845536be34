export * from './job';
export * from './job-state';
export * from './job-id';
export * from './upload-names';
export * from './public-reason';
export * from './job-history';
export * from './webhook-events';
export * from './command-record';

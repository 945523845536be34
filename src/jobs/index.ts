export * from './job';
export * from './job-state';
export * from './job-id';
export * from './upload-names';
export * from './public-reason';
export * from './command-record';

export * from './job';
export * from './job-state';
export * from './job-id';
export * from './public-reason';

// The runner choice lives with the service definitions, so the server's dry run makes the same
// choice as the scheduler without importing the scheduler.
export { defaultRunner, selectRunner, type Selection } from '../services/selectors/select-runner';

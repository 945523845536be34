// The mapping lives with the service definitions, so the server can say which kind a job waits on.
export { runnerKind, RUNNER_KINDS } from '../services/runner-kind';

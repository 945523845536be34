import { ApiClient } from './api-client';
import { resolveConnection } from './client-config';
import { usageError } from './exit-codes';
import { historyFile, JobHistory } from './job-history';
import { Output } from './output';

/** Options every subcommand takes. */
export interface CommonOptions {
  url?: string;
  profile?: string;
  json?: boolean;
  color?: boolean;
  timeout?: string;
}

export interface CommandContext {
  api: ApiClient;
  out: Output;
  history: JobHistory;
  /** The server's base URL as history keys it. */
  server: string;
  /** `last` or an id, checked. */
  jobId: (id: string | undefined) => string;
}

export function makeContext(
  options: CommonOptions,
  env: NodeJS.ProcessEnv = process.env,
): CommandContext {
  const out = new Output(
    options.json === true,
    process.stdout,
    process.stderr,
    options.color !== false,
  );
  const seconds = options.timeout === undefined ? 30 : Number(options.timeout);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600)
    throw usageError('--timeout must be a number of seconds from 1 to 3600');
  const connection = resolveConnection(options, env);
  const api = new ApiClient({
    baseUrl: connection.url,
    token: connection.token,
    timeoutMs: seconds * 1000,
  });
  const history = new JobHistory(historyFile(env));
  const server = api.base.href;
  return { api, out, history, server, jobId: (id) => history.resolve(id, server) };
}

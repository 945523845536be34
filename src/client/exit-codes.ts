/** The exit codes of `damson jobs`, documented in docs/cli.md. */
export const EXIT = {
  ok: 0,
  /** `wait`: the job finished in any state other than COMPLETED. */
  jobFailed: 1,
  /** Bad arguments, no server URL, an unknown `last`, a config file that is refused. */
  usage: 2,
  /** The server answered with an error, or with something that is not the API. */
  server: 3,
  /** The server could not be reached, or stopped answering. */
  network: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error that ends the command with a given exit code and a one-line message. */
export class ClientError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    /** The server's error code and the parameter it names, when it said so. */
    readonly details: { code?: string; parameter?: string; status?: number } = {},
  ) {
    super(message);
    this.name = 'ClientError';
  }
}

export const usageError = (message: string): ClientError => new ClientError(EXIT.usage, message);

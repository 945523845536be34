/**
 * Every code of a DamsonError: what a Damson process reports when a settings or service file is
 * wrong, a store or the agent link fails, or `damson init` or `damson keys` refuses. The command
 * line prints the message and exits 2; the server answers the ones a request can meet with their
 * HTTP code (store_unavailable). Documented in docs/errors.md.
 */
export interface ProcessErrorEntry {
  readonly description: string;
}

export const PROCESS_ERRORS = {
  config_invalid: {
    description: 'A settings or service file is wrong; the message names the file, line and key.',
  },
  store_unavailable: { description: 'The job store cannot be reached.' },
  store_failed: { description: 'MongoDB refused an operation (the message says why).' },
  store_contention: { description: 'A job is being changed by too many writers at once.' },
  address_in_use: { description: 'The scheduler cannot listen for agents at its address.' },
  message_too_large: {
    description: 'A scheduler ⇄ agent message would be over the link’s size limit; not sent.',
  },
  keys_exist: { description: '`damson keys` would overwrite keys that exist.' },
  invalid_name: { description: 'An agent name is not 1-64 letters, digits, `.`, `_` or `-`.' },
  init_exists: { description: '`damson init` would overwrite a file that exists.' },
  init_bad_prefix: { description: 'The `--prefix` of `damson init` is not a URL path.' },
  init_unsafe_value: {
    description: '`damson init` would write a value a systemd unit or nginx.conf cannot hold.',
  },
} as const satisfies Record<string, ProcessErrorEntry>;

export type ProcessErrorCode = keyof typeof PROCESS_ERRORS;

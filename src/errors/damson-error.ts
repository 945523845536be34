import type { ProcessErrorCode } from './process-errors';

/**
 * Typed, coded errors shared by every layer. Each carries a stable `code` (catalogued in
 * process-errors.ts) so callers and operators can act on it without parsing messages.
 */
export class DamsonError extends Error {
  constructor(
    readonly code: ProcessErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A settings or service file is wrong: names the file, the line (when known) and the key. */
export class ConfigError extends DamsonError {
  constructor(
    readonly file: string,
    readonly key: string,
    readonly reason: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    const where =
      line === undefined ? '' : column === undefined ? `:${line}` : `:${line}:${column}`;
    super('config_invalid', `${file}${where}: at '${key || '/'}': ${reason}`);
  }
}

/** The store cannot be reached; callers answer 503 and retry later. */
export class StoreUnavailableError extends DamsonError {
  constructor(message = 'the job store is unavailable') {
    super('store_unavailable', message);
  }
}

import { ConfigError } from '../../src/errors';

/** The ConfigError `run` throws; fails the test when it throws nothing or something else. */
export function problem(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

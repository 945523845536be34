import type { YamlSource } from '../config/yaml-source';
import { ConfigError } from '../errors';

/** Makes errors and warnings that point into a service file (with a line when one is known). */
export interface ServiceLocator {
  file: string;
  error(keyPath: readonly (string | number)[], reason: string, atValue?: boolean): ConfigError;
  /** An error about the `offset`-th character (0-based) of a value, e.g. inside a condition. */
  errorInValue(keyPath: readonly (string | number)[], reason: string, offset: number): ConfigError;
}

export function yamlLocator(source: YamlSource): ServiceLocator {
  return {
    file: source.file,
    error: (keyPath, reason, atValue) => source.error(keyPath, reason, atValue),
    errorInValue: (keyPath, reason, offset) => source.errorInValue(keyPath, reason, offset),
  };
}

/** For definitions restored from the store: the file may have changed, so no line is given. */
export function plainLocator(file: string): ServiceLocator {
  const error = (keyPath: readonly (string | number)[], reason: string): ConfigError =>
    new ConfigError(file, keyPath.join('/'), reason);
  return { file, error, errorInValue: error };
}

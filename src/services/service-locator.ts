import type { YamlSource } from '../config/yaml-source';
import { ConfigError } from '../errors';

/** Makes errors and warnings that point into a service file (with a line when one is known). */
export interface ServiceLocator {
  file: string;
  error(keyPath: readonly (string | number)[], reason: string, atValue?: boolean): ConfigError;
}

export function yamlLocator(source: YamlSource): ServiceLocator {
  return {
    file: source.file,
    error: (keyPath, reason, atValue) => source.error(keyPath, reason, atValue),
  };
}

/** For definitions restored from the store: the file may have changed, so no line is given. */
export function plainLocator(file: string): ServiceLocator {
  return { file, error: (keyPath, reason) => new ConfigError(file, keyPath.join('/'), reason) };
}

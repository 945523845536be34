import type { YamlSource } from '../config/yaml-source';
import { ConfigError } from '../errors';

/** Makes errors and warnings that point into a service file (with a line when one is known). */
export interface ServiceLocator {
  file: string;
  error(keyPath: readonly (string | number)[], reason: string, atValue?: boolean): ConfigError;
  /** An error about the `offset`-th character (0-based) of a value, e.g. inside a condition. */
  errorInValue(keyPath: readonly (string | number)[], reason: string, offset: number): ConfigError;
  /** A comment YAML cut from the end of an unquoted value, the classic `#` mistake. */
  trailingComment(keyPath: readonly (string | number)[]): string | undefined;
}

/** YAML reads ` #` as the start of a comment, which silently truncates an unquoted condition. */
export function commentHint(locator: ServiceLocator, keyPath: readonly string[]): string {
  const comment = locator.trailingComment(keyPath);
  return comment === undefined
    ? ''
    : ` (YAML read '#${comment}' as a comment: quote the whole condition)`;
}

export function yamlLocator(source: YamlSource): ServiceLocator {
  return {
    file: source.file,
    error: (keyPath, reason, atValue) => source.error(keyPath, reason, atValue),
    errorInValue: (keyPath, reason, offset) => source.errorInValue(keyPath, reason, offset),
    trailingComment: (keyPath) => source.trailingComment(keyPath),
  };
}

/** For definitions restored from the store: the file may have changed, so no line is given. */
export function plainLocator(file: string): ServiceLocator {
  const error = (keyPath: readonly (string | number)[], reason: string): ConfigError =>
    new ConfigError(file, keyPath.join('/'), reason);
  return { file, error, errorInValue: error, trailingComment: () => undefined };
}

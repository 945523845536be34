import path from 'node:path';
import { YamlSource } from '../config/yaml-source';
import { ConfigError } from '../errors';
import { includeTag } from './include-tag';

type KeyPath = readonly (string | number)[];

/** Makes errors and warnings that point into a service file (with a line when one is known). */
export interface ServiceLocator {
  file: string;
  error(keyPath: KeyPath, reason: string, atValue?: boolean): ConfigError;
  /** An error about the `offset`-th character (0-based) of a value, e.g. inside a condition. */
  errorInValue(keyPath: KeyPath, reason: string, offset: number): ConfigError;
  /** A comment YAML cut from the end of an unquoted value, the classic `#` mistake. */
  trailingComment(keyPath: KeyPath): string | undefined;
}

/** YAML reads ` #` as the start of a comment, which silently truncates an unquoted condition. */
export function commentHint(locator: ServiceLocator, keyPath: readonly string[]): string {
  const comment = locator.trailingComment(keyPath);
  return comment === undefined
    ? ''
    : ` (YAML read '#${comment}' as a comment: quote the whole condition)`;
}

/**
 * When the key lies inside an `!include`d document, where it is written there: the service
 * file's line is that of the `!include` tag, which is not where the mistake is.
 */
function includedWhere(source: YamlSource, keyPath: KeyPath, atValue: boolean, depth = 0): string {
  const tagged = source.taggedScalarAlong(keyPath);
  if (!tagged || tagged.tag !== '!include' || tagged.rest.length === 0 || depth > 10) return '';
  const [target, inner = ''] = tagged.value.split(/#|::/, 2);
  const file = path.resolve(path.dirname(source.file), target);
  try {
    const included = YamlSource.read(file, [includeTag(file)]);
    const innerPath = [...inner.split('/').filter(Boolean), ...tagged.rest];
    const position = included.positionOf(innerPath, atValue);
    if (!position) return '';
    const nested = includedWhere(included, innerPath, atValue, depth + 1);
    return ` (in ${file}:${position.line}:${position.col}${nested})`;
  } catch {
    // The include itself failed to load; the file's own error already says so.
    return '';
  }
}

export function yamlLocator(source: YamlSource): ServiceLocator {
  return {
    file: source.file,
    error: (keyPath, reason, atValue = false) =>
      source.error(keyPath, reason + includedWhere(source, keyPath, atValue), atValue),
    errorInValue: (keyPath, reason, offset) =>
      source.errorInValue(keyPath, reason + includedWhere(source, keyPath, true), offset),
    trailingComment: (keyPath) => source.trailingComment(keyPath),
  };
}

/** For definitions restored from the store: the file may have changed, so no line is given. */
export function plainLocator(file: string): ServiceLocator {
  const error = (keyPath: KeyPath, reason: string): ConfigError =>
    new ConfigError(file, keyPath.join('/'), reason);
  return { file, error, errorInValue: error, trailingComment: () => undefined };
}

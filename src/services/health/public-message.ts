import path from 'node:path';
import type { ConfigError } from '../../errors';

/**
 * Absolute POSIX paths as system errors quote them (`open '/srv/x'`, `spawn /opt/t ENOENT`): a
 * slash that starts a word, a quote or a parenthesis, up to the next space, quote or bracket.
 */
const ABSOLUTE_PATH = /(^|[\s'"`(=,])\/[^\s'"`()[\],]*/g;

/** The text with every absolute path replaced by `<path>`: for messages anyone can read. */
export function withoutServerPaths(text: string): string {
  return text.replace(ABSOLUTE_PATH, '$1<path>');
}

/**
 * A service file's error as the public status shows it: the file named relative to the services
 * directory, and no other server path. Operators find the absolute path in the logs.
 */
export function publicConfigProblem(error: ConfigError, servicesDirectory: string): string {
  const relative = path.relative(servicesDirectory, error.file);
  const name =
    relative && !relative.startsWith('..') && !path.isAbsolute(relative)
      ? relative
      : path.basename(error.file);
  const reason = withoutServerPaths(
    error.reason.split(error.file).join(name).split(servicesDirectory).join('.'),
  );
  const where =
    error.line === undefined
      ? ''
      : error.column === undefined
        ? `:${error.line}`
        : `:${error.line}:${error.column}`;
  return `${name}${where}: at '${error.key || '/'}': ${reason}`;
}

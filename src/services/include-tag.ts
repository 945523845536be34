import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ScalarTag } from 'yaml';
import { YamlSource } from '../config/yaml-source';

/**
 * slivka's `!include other.yaml#key/sub/key` (also `::` as the separator), resolved relative to the
 * including file. Included files may include further files; a cycle is an error.
 */
export function includeTag(
  fromFile: string,
  seen: ReadonlySet<string> = new Set(),
  /** Collects every file read, so that a change to one can reload the service. */
  included: Set<string> = new Set(),
): ScalarTag {
  return {
    tag: '!include',
    resolve(value: string, onError: (message: string) => void): unknown {
      const [target, keyPath = ''] = value.split(/#|::/, 2);
      const file = path.resolve(path.dirname(fromFile), target);
      if (seen.has(file)) {
        onError(`!include cycle through ${file}`);
        return null;
      }
      let document: unknown;
      included.add(file);
      try {
        const text = readFileSync(file, 'utf8');
        document = YamlSource.parse(file, text, [
          includeTag(file, new Set([...seen, fromFile]), included),
        ]).toJS();
      } catch (error) {
        onError(`!include ${value}: ${(error as Error).message.split('\n')[0]}`);
        return null;
      }
      let node = document;
      for (const key of keyPath.split('/').filter(Boolean)) {
        if (!node || typeof node !== 'object' || !(key in node)) {
          onError(`!include ${value}: no key '${key}' in ${file}`);
          return null;
        }
        node = (node as Record<string, unknown>)[key];
      }
      return node;
    },
  };
}

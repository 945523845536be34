import { statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { JobInputs } from '../../jobs';

/** What slivka passed as `context`: the service, its runner ids and each runner's options. */
export interface SelectorContext {
  service: string;
  runners: string[];
  runnerOptions: Record<string, Record<string, unknown>>;
  /** The job's parameters as clients see them (choice keys, file ids). */
  parameters: JobInputs;
}

export type SelectorFunction = (
  inputs: JobInputs,
  context: SelectorContext,
) => string | null | undefined | Promise<string | null | undefined>;

const loaded = new Map<string, { mtimeMs: number; module: Record<string, unknown> }>();

// TypeScript compiles import() to require() under CommonJS; ES modules need the real import().
const importModule = new Function('url', 'return import(url)') as (
  url: string,
) => Promise<Record<string, unknown>>;

async function loadModule(modulePath: string, mtimeMs: number): Promise<Record<string, unknown>> {
  if (modulePath.endsWith('.mjs')) {
    return importModule(`${pathToFileURL(modulePath).href}?mtime=${mtimeMs}`);
  }
  // A changed file must be read again, not served from the module cache.
  delete require.cache[require.resolve(modulePath)];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(modulePath) as Record<string, unknown>;
}

/** Loads a selector module, again when its file changed (a hot reload for selectors too). */
export async function loadSelectorFunction(
  modulePath: string,
  exportName: string,
): Promise<SelectorFunction> {
  const mtimeMs = statSync(modulePath).mtimeMs;
  let entry = loaded.get(modulePath);
  if (!entry || entry.mtimeMs !== mtimeMs) {
    entry = { mtimeMs, module: await loadModule(modulePath, mtimeMs) };
    loaded.set(modulePath, entry);
  }
  const namespace = entry.module;
  // CommonJS `module.exports = function (…) {…}` is its own default export.
  if (exportName === 'default' && typeof namespace === 'function') {
    return namespace as unknown as SelectorFunction;
  }
  const fromDefault = namespace.default as Record<string, unknown> | undefined;
  const candidate =
    namespace[exportName] ??
    (exportName !== 'default' && fromDefault && typeof fromDefault === 'object'
      ? fromDefault[exportName]
      : undefined);
  if (typeof candidate !== 'function') {
    throw new Error(`selector module ${modulePath} has no exported function '${exportName}'`);
  }
  return candidate as SelectorFunction;
}

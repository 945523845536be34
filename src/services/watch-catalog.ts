import { readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../lifecycle/logger';
import type { ServiceCatalog } from './service-catalog';

export interface WatchOptions {
  /** Editors write files in several steps; changes closer together than this reload once. */
  debounceMs: number;
  /**
   * How often file times are compared as well: fs.watch misses changes made on another host of
   * a shared filesystem and changes to `!include`d files elsewhere.
   */
  pollIntervalMs: number;
}

const DEFAULTS: WatchOptions = { debounceMs: 200, pollIntervalMs: 1000 };

/** Names, sizes and modification times of the service files and the files they include. */
export function catalogFingerprint(catalog: ServiceCatalog): string {
  let names: string[] = [];
  try {
    names = readdirSync(catalog.directory).map((name) => path.join(catalog.directory, name));
  } catch {
    // A missing directory has the empty fingerprint; the reload reports it.
  }
  const files = [...names, ...catalog.list().flatMap((s) => s.includes)];
  return files
    .sort()
    .map((file) => {
      try {
        const stat = statSync(file);
        return `${file}\u0000${stat.size}\u0000${stat.mtimeMs}`;
      } catch {
        return `${file}\u0000gone`;
      }
    })
    .join('\n');
}

/**
 * Reloads the catalog when a service file (or a file it includes) changes, is added or removed.
 * A broken file is reported and its last good version stays in service.
 */
export function watchCatalog(
  catalog: ServiceCatalog,
  log: Logger,
  options: Partial<WatchOptions> = {},
): () => void {
  const { debounceMs, pollIntervalMs } = { ...DEFAULTS, ...options };
  let timer: NodeJS.Timeout | null = null;
  let watcher: FSWatcher | null = null;
  let fingerprint = catalogFingerprint(catalog);
  const reload = (): void => {
    timer = null;
    const errors = catalog.reload();
    fingerprint = catalogFingerprint(catalog);
    for (const error of errors) {
      log.error(
        { file: error.file, key: error.key, line: error.line, column: error.column },
        error.message,
      );
    }
    log.info({ services: catalog.list().map((s) => s.id) }, 'services reloaded');
  };
  const soon = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(reload, debounceMs);
  };
  try {
    watcher = watch(catalog.directory, soon);
    watcher.on('error', (error) =>
      log.warn({ err: error }, 'watching the services directory failed'),
    );
  } catch (error) {
    log.warn({ err: error }, 'cannot watch the services directory; polling only');
  }
  const poller = setInterval(() => {
    if (!timer && catalogFingerprint(catalog) !== fingerprint) soon();
  }, pollIntervalMs);
  poller.unref();
  return () => {
    if (timer) clearTimeout(timer);
    clearInterval(poller);
    watcher?.close();
  };
}

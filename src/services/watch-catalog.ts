import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from '../lifecycle/logger';
import type { ServiceCatalog } from './service-catalog';

/**
 * Reloads the catalog when the services directory changes. Editors write files in several steps,
 * so changes are debounced; a broken file is reported and its last good version stays in service.
 */
export function watchCatalog(catalog: ServiceCatalog, log: Logger, debounceMs = 200): () => void {
  let timer: NodeJS.Timeout | null = null;
  let watcher: FSWatcher | null = null;
  const reload = (): void => {
    const errors = catalog.reload();
    for (const error of errors)
      log.error({ file: error.file, key: error.key, line: error.line }, error.message);
    log.info({ services: catalog.list().map((s) => s.id) }, 'services reloaded');
  };
  try {
    watcher = watch(catalog.directory, () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(reload, debounceMs);
    });
  } catch (error) {
    log.warn({ err: error }, 'cannot watch the services directory; changes need a restart');
  }
  return () => {
    if (timer) clearTimeout(timer);
    watcher?.close();
  };
}

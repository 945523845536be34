import { watch, type FSWatcher } from 'node:fs';

/** Change notices for one file are passed on at most once per this many ms. */
export const BATCH_MS = 200;

interface Entry {
  watcher: FSWatcher | null;
  listeners: Set<() => void>;
  timer: NodeJS.Timeout | null;
}

/**
 * One fs.watch per followed file, however many streams follow it, and its notices batched: a
 * tool that writes a thousand lines a second wakes each stream of its output five times a second,
 * not a thousand. Where the filesystem sends no notices (NFS), streams rely on their own poll.
 */
export class FileChangeHub {
  private readonly entries = new Map<string, Entry>();

  subscribe(file: string, listener: () => void): () => void {
    let entry = this.entries.get(file);
    if (!entry) {
      entry = { watcher: null, listeners: new Set(), timer: null };
      this.entries.set(file, entry);
      entry.watcher = this.open(file, entry);
    }
    entry.listeners.add(listener);
    const current = entry;
    return () => {
      current.listeners.delete(listener);
      if (current.listeners.size > 0 || this.entries.get(file) !== current) return;
      this.entries.delete(file);
      current.watcher?.close();
      if (current.timer) clearTimeout(current.timer);
    };
  }

  /** Files followed now (for tests and metrics). */
  get files(): number {
    return this.entries.size;
  }

  private open(file: string, entry: Entry): FSWatcher | null {
    const notify = (): void => {
      if (entry.timer) return;
      entry.timer = setTimeout(() => {
        entry.timer = null;
        for (const listener of [...entry.listeners]) listener();
      }, BATCH_MS);
    };
    try {
      const watcher = watch(file, { persistent: false }, notify);
      watcher.on('error', () => watcher.close());
      return watcher;
    } catch {
      return null;
    }
  }
}

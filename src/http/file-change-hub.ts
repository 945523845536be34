import { watch, type FSWatcher } from 'node:fs';

/** Change notices for one file are passed on at most once per this many ms. */
export const BATCH_MS = 200;

/** An output event already encoded by one stream, for the others at the same offset. */
export interface SharedChunk {
  /** The byte offset after the chunk. */
  end: number;
  event: string;
}

/** Recent chunks kept per file: the streams at the live edge share them. */
const MAX_SHARED_CHUNKS = 32;

interface Entry {
  watcher: FSWatcher | null;
  chunks: Map<number, SharedChunk>;
  listeners: Set<() => void>;
  timer: NodeJS.Timeout | null;
}

/**
 * One fs.watch per followed file, however many streams follow it, and its notices batched: a
 * tool that writes a thousand lines a second wakes each stream of its output five times a second,
 * not a thousand. Streams at the same offset share the chunk one of them read and encoded, so
 * two hundred readers of a busy log cost about one read. Where the filesystem sends no notices (NFS), streams rely on their own poll.
 */
export class FileChangeHub {
  private readonly entries = new Map<string, Entry>();

  subscribe(file: string, listener: () => void): () => void {
    let entry = this.entries.get(file);
    if (!entry) {
      entry = { watcher: null, chunks: new Map(), listeners: new Set(), timer: null };
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

  /**
   * The event another stream encoded for the bytes from `offset`, if recent. Outputs are
   * appended to, so bytes once read do not change: a shared chunk is what a read would give.
   */
  chunkAt(file: string, offset: number): SharedChunk | undefined {
    return this.entries.get(file)?.chunks.get(offset);
  }

  keepChunk(file: string, offset: number, chunk: SharedChunk): void {
    const chunks = this.entries.get(file)?.chunks;
    if (!chunks || chunks.has(offset)) return;
    chunks.set(offset, chunk);
    if (chunks.size > MAX_SHARED_CHUNKS) chunks.delete(chunks.keys().next().value as number);
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

import { Worker } from 'node:worker_threads';

/** The heap a YAML check may use: the parser needs hundreds of bytes per input byte. */
export const YAML_HEAP_MB = 128;
/** How long one YAML check may run before its worker is stopped. */
export const YAML_TIMEOUT_MS = 15_000;
/** Checks waiting for the worker; more are refused at once rather than queued without end. */
export const YAML_QUEUE_LIMIT = 16;

export type YamlVerdict = { ok: true } | { ok: false; detail: string; checked: boolean };

/*
 * The worker's code, run with `eval` so that it loads the same way from src (tests) and dist.
 * It gets bytes, decodes them strictly (a binary or mis-encoded file fails instead of parsing as
 * U+FFFD), parses every document and answers with the first error. Aliases are not expanded:
 * only syntax is read. Duplicate keys are allowed because PyYAML allows them (the last one wins).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { parseAllDocuments } = require(workerData.yamlPath);
parentPort.on('message', ({ id, bytes }) => {
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    parentPort.postMessage({ id, ok: false, detail: 'not valid UTF-8', checked: true });
    return;
  }
  try {
    const docs = parseAllDocuments(text, { uniqueKeys: false });
    const errors = 'empty' in docs ? docs.errors : docs.flatMap((doc) => doc.errors);
    if (errors.length === 0) {
      parentPort.postMessage({ id, ok: true });
      return;
    }
    const first = errors[0];
    const pos = first.linePos && first.linePos[0];
    const where = pos === undefined ? '' : 'line ' + pos.line + ', column ' + pos.col + ': ';
    // The parser's message ends with a multi-line excerpt of the source; keep the sentence.
    const message = first.message.split('\\n')[0].replace(/ at line \\d+, column \\d+:?$/, '');
    parentPort.postMessage({ id, ok: false, detail: where + message, checked: true });
  } catch (error) {
    const detail = error instanceof RangeError ? 'it is nested too deeply' : 'the checker failed';
    parentPort.postMessage({ id, ok: false, detail, checked: false });
  }
});
`;

interface Task {
  id: number;
  bytes: Uint8Array;
  resolve: (verdict: YamlVerdict) => void;
}

/**
 * One worker thread, reused, that checks YAML documents one at a time: the parser is slow and
 * memory-hungry on hostile input (a 10 MiB flow sequence took two minutes and 4 GiB), so it never
 * runs on the event loop. A check that runs out of heap or time loses its worker, which is
 * replaced for the next check; the file is refused, the process is unaffected.
 */
export class YamlWorkerPool {
  private worker: Worker | null = null;
  private current: Task | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly queue: Task[] = [];
  private nextId = 1;

  constructor(
    private readonly limits = {
      heapMb: YAML_HEAP_MB,
      timeoutMs: YAML_TIMEOUT_MS,
      queueLimit: YAML_QUEUE_LIMIT,
    },
  ) {}

  check(bytes: Uint8Array): Promise<YamlVerdict> {
    if (this.queue.length >= this.limits.queueLimit) {
      return Promise.resolve({
        ok: false,
        detail: 'too many YAML files are being checked at the moment; try again shortly',
        checked: false,
      });
    }
    // A copy of exactly these bytes, whose memory moves to the worker instead of being cloned.
    const own = new Uint8Array(bytes);
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, bytes: own, resolve });
      this.next();
    });
  }

  /** Stops the worker (tests, shutdown); checks still waiting are refused. */
  async close(): Promise<void> {
    for (const task of this.queue.splice(0)) task.resolve(this.unchecked('the server is stopping'));
    const worker = this.worker;
    this.worker = null;
    if (this.current) this.finish(this.unchecked('the server is stopping'));
    await worker?.terminate();
  }

  private unchecked(detail: string): YamlVerdict {
    return { ok: false, detail, checked: false };
  }

  private next(): void {
    if (this.current !== null) return;
    const task = this.queue.shift();
    if (task === undefined) return;
    this.current = task;
    const worker = this.worker ?? this.start();
    this.timer = setTimeout(() => {
      this.discardWorker();
      this.finish(this.unchecked(`it takes longer than ${this.limits.timeoutMs / 1000} s`));
    }, this.limits.timeoutMs);
    worker.postMessage({ id: task.id, bytes: task.bytes }, [task.bytes.buffer as ArrayBuffer]);
  }

  private start(): Worker {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { yamlPath: require.resolve('yaml') },
      resourceLimits: {
        maxOldGenerationSizeMb: this.limits.heapMb,
        maxYoungGenerationSizeMb: Math.max(4, Math.floor(this.limits.heapMb / 8)),
        stackSizeMb: 4,
      },
    });
    worker.on('message', (reply: { id: number } & YamlVerdict) => {
      if (this.worker !== worker || this.current?.id !== reply.id) return;
      this.finish(
        reply.ok ? { ok: true } : { ok: false, detail: reply.detail, checked: reply.checked },
      );
    });
    worker.on('error', (error: Error & { code?: string }) => {
      if (this.worker !== worker) return;
      this.discardWorker();
      const outOfMemory = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.finish(
        this.unchecked(
          outOfMemory
            ? `it needs more than ${this.limits.heapMb} MiB of memory`
            : 'the checker failed',
        ),
      );
    });
    worker.on('exit', () => {
      if (this.worker !== worker) return;
      this.discardWorker();
      this.finish(this.unchecked('the checker failed'));
    });
    // An idle worker must not keep the process alive; after the listeners, which would ref it again.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private discardWorker(): void {
    const worker = this.worker;
    this.worker = null;
    if (worker) void worker.terminate();
  }

  private finish(verdict: YamlVerdict): void {
    const task = this.current;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.current = null;
    task?.resolve(verdict);
    this.next();
  }
}

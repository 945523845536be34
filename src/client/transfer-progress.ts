import ProgressBar from 'progress';
import { safeText } from './terminal-text';

/** Shown only for transfers at least this large: a small file is done before a bar means much. */
export const PROGRESS_MIN_BYTES = 256 * 1024;

export function humanBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** Counts bytes of one transfer; draws a bar on a terminal (stderr), nothing elsewhere. */
export class TransferProgress {
  private readonly bar: ProgressBar | null;
  private done: number;
  private readonly startedAt = Date.now();

  constructor(
    label: string,
    private readonly total: number,
    stream: NodeJS.WriteStream,
    alreadyDone = 0,
  ) {
    this.done = alreadyDone;
    const show = stream.isTTY === true && total >= PROGRESS_MIN_BYTES;
    this.bar = show
      ? new ProgressBar(`${safeText(label).slice(0, 40)} [:bar] :percent :done/:size :speed`, {
          total: Math.max(total, 1),
          curr: Math.min(alreadyDone, total),
          width: 30,
          stream,
          renderThrottle: 100,
        })
      : null;
  }

  add(bytes: number): void {
    this.done += bytes;
    if (!this.bar || this.bar.complete) return;
    const seconds = Math.max((Date.now() - this.startedAt) / 1000, 0.001);
    this.bar.tick(Math.min(bytes, this.total - this.bar.curr), {
      done: humanBytes(this.done),
      size: humanBytes(this.total),
      speed: `${humanBytes(this.done / seconds)}/s`,
    });
  }

  get bytes(): number {
    return this.done;
  }

  finish(): void {
    if (this.bar && !this.bar.complete) this.bar.terminate();
  }
}

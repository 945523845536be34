import Table from 'cli-table3';
import { createColors } from 'picocolors';
import { safeJson, safeText } from './terminal-text';

export type Colors = ReturnType<typeof createColors>;

/** Where and how a command prints: tables and colours for people on a TTY, plain text otherwise. */
export class Output {
  readonly colors: Colors;

  constructor(
    readonly json: boolean,
    readonly stdout: NodeJS.WriteStream = process.stdout,
    readonly stderr: NodeJS.WriteStream = process.stderr,
    color = true,
  ) {
    const tty = stdout.isTTY === true;
    this.colors = createColors(color && tty && !process.env.NO_COLOR);
  }

  get tty(): boolean {
    return this.stdout.isTTY === true;
  }

  /** Progress displays only where a person watches, and never mixed into JSON. */
  get live(): boolean {
    return this.stderr.isTTY === true;
  }

  line(text = ''): void {
    this.stdout.write(`${text}\n`);
  }

  note(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  printJson(value: unknown): void {
    this.stdout.write(`${safeJson(value)}\n`);
  }

  /** Rows of server text: a table on a TTY, tab-separated lines otherwise; every cell escaped. */
  table(head: string[], rows: unknown[][]): void {
    const cells = rows.map((row) => row.map((cell) => safeText(cell)));
    if (!this.tty) {
      for (const row of cells) this.line(row.join('\t'));
      return;
    }
    const table = new Table({
      head: head.map((h) => this.colors.bold(h)),
      style: { head: [], border: [] },
      wordWrap: true,
    });
    table.push(...cells);
    this.line(table.toString());
  }

  /** A job state in a colour that says how it went (the word itself is escaped). */
  state(status: string): string {
    const word = safeText(status);
    const c = this.colors;
    if (status === 'COMPLETED') return c.green(word);
    if (['FAILED', 'ERROR', 'INTERRUPTED', 'REJECTED'].includes(status)) return c.red(word);
    if (['DELETED', 'CANCELLING', 'UNKNOWN'].includes(status)) return c.yellow(word);
    return c.cyan(word);
  }
}

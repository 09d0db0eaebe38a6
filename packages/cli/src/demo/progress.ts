/**
 * The demo's progress display: one line per step with its number, what it does and how long it
 * took; on a terminal the running step shows a spinner, in a log or CI plain lines.
 */
export class Progress {
  private n = 0;
  private readonly tty: boolean;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly total: number,
    private readonly out: NodeJS.WriteStream | { write(s: string): boolean; isTTY?: boolean } = process.stderr,
    private readonly quiet = false,
  ) {
    this.tty = !!out.isTTY && !process.env.NO_COLOR;
  }

  /** Runs one step, printing its outcome; the step's `note` lines are printed under it. */
  async step<T>(label: string, fn: (note: (line: string) => void) => Promise<T>): Promise<T> {
    this.n++;
    const head = `[${String(this.n).padStart(String(this.total).length)}/${this.total}] ${label}`;
    const notes: string[] = [];
    const started = Date.now();
    if (!this.quiet && this.tty) {
      const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
      let f = 0;
      this.timer = setInterval(() => this.out.write(`\r${frames[f++ % frames.length]} ${head} (${((Date.now() - started) / 1000).toFixed(1)} s)`), 100);
    }
    try {
      const result = await fn((line) => notes.push(line));
      this.finish(`${this.tty ? '\x1b[32m✔\x1b[0m' : 'ok'} ${head} (${((Date.now() - started) / 1000).toFixed(1)} s)`, notes);
      return result;
    } catch (e) {
      this.finish(`${this.tty ? '\x1b[31m✘\x1b[0m' : 'FAILED'} ${head}`, notes);
      throw e;
    }
  }

  private finish(line: string, notes: string[]): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.quiet) return;
    this.out.write(`${this.tty ? '\r\x1b[K' : ''}${line}\n`);
    for (const n of notes) this.out.write(`      ${n}\n`);
  }
}

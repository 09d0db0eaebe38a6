import { Transform } from 'node:stream';

/**
 * A progress bar on stderr for long work (uploads), drawn only on a terminal: in a pipe or a log
 * it stays silent, so scripts and `--json` output are not cluttered.
 *
 * @example
 *   const bar = new ProgressBar('uploading sales.csv', size);
 *   stream.pipe(bar.counter()); … bar.done('uploaded');
 */
export class ProgressBar {
  private current = 0;
  private lastDraw = 0;
  private readonly enabled: boolean;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly out: { write(s: string): boolean; isTTY?: boolean } = process.stderr,
    enabled?: boolean,
  ) {
    this.enabled = enabled ?? (!!out.isTTY && total > 0);
  }

  /** Adds `n` units done; redraws at most every 100 ms (and at the end). */
  tick(n: number): void {
    this.current = Math.min(this.total, this.current + n);
    const now = Date.now();
    if (!this.enabled || (now - this.lastDraw < 100 && this.current < this.total)) return;
    this.lastDraw = now;
    this.out.write(`\r${this.render()}`);
  }

  /** The bar as text: `label [########------------] 40% 4.0/10.0 MB`. */
  render(width = 24): string {
    const share = this.total > 0 ? this.current / this.total : 1;
    const filled = Math.round(share * width);
    const mb = (b: number) => (b / 1e6).toFixed(1);
    return `${this.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(share * 100)).padStart(3)}% ${mb(this.current)}/${mb(this.total)} MB`;
  }

  /** A pass-through stream that counts the bytes flowing through it. */
  counter(): Transform {
    return new Transform({
      transform: (chunk: Buffer, _enc, cb) => {
        this.tick(chunk.length);
        cb(null, chunk);
      },
    });
  }

  /** Ends the bar's line with a closing word (nothing off a terminal). */
  done(word: string): void {
    if (this.enabled) this.out.write(`\r${this.render()} ${word}\n`);
  }
}

/**
 * The CLI's progress: one terminal line rewritten in place (no library: a carriage return and a cleared line are all
 * it takes), with rows done, rows per second and, for a file, how much of it has been read. Silent when stderr is not
 * a terminal (a log, a pipe), so reports and logs stay clean.
 */
export class ProgressLine {
  readonly #started = performance.now();
  #last = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly totalBytes: number | null,
  ) {}

  update(rows: number, bytesRead: number | null, force = false): void {
    if (!this.stream.isTTY) return;
    const now = performance.now();
    if (!force && now - this.#last < 200) return;
    this.#last = now;
    const seconds = (now - this.#started) / 1000;
    const rate = seconds > 0 ? Math.round(rows / seconds) : 0;
    const share = this.totalBytes && bytesRead !== null ? Math.min(1, bytesRead / this.totalBytes) : null;
    const width = 30;
    const bar = share === null ? '' : `[${'#'.repeat(Math.round(share * width)).padEnd(width, '.')}] ${(share * 100).toFixed(0).padStart(3)}%  `;
    this.stream.write(`\r\x1b[2K${bar}${rows.toLocaleString('en')} rows  ${rate.toLocaleString('en')} rows/s  ${seconds.toFixed(0)} s`);
  }

  done(): void {
    if (this.stream.isTTY) this.stream.write('\n');
  }
}

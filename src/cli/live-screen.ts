/**
 * Live mode on a terminal: anomaly lines scroll on stdout while a compact state
 * view stays at the bottom (on stderr). Both go to the same terminal, so every
 * anomaly line first erases the view and then draws it again below the line;
 * the view is erased for good before the final report.
 */
export class LiveScreen {
  private drawn = 0;
  private last = '';

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly err: NodeJS.WritableStream,
    /** The state view is drawn (stderr is a terminal). */
    private readonly active: boolean,
    /** Anomaly lines land on the same terminal (stdout is a terminal too). */
    private readonly shared: boolean,
  ) {}

  /** Lines that scroll (anomalies). */
  print(text: string): void {
    if (this.active && this.shared) this.erase();
    this.out.write(text);
    if (this.active && this.shared && this.last) this.draw(this.last);
  }

  /** The state view, replacing the previous one. */
  status(text: string): void {
    if (!this.active) return;
    this.last = text;
    this.erase();
    this.draw(text);
  }

  /** Erase the view (before the final report). */
  done(): void {
    if (this.active) this.erase();
    this.last = '';
  }

  private draw(text: string): void {
    this.err.write(text);
    this.drawn = text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length;
  }

  private erase(): void {
    // Up to the first line of the view, then clear to the end of the screen.
    if (this.drawn > 0) this.err.write(`\x1b[${this.drawn}A\r\x1b[J`);
    this.drawn = 0;
  }
}

// Progress lines with elapsed seconds: one line per step; while waiting, a TTY gets an updating
// line and a non-TTY (CI) gets a line every few seconds at most, never spinner spam.

/** Formats milliseconds as seconds with one decimal, e.g. "3.2s". */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** Where progress goes; a subset of a WriteStream so tests can capture it. */
export interface ProgressSink {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** A step logger: `start` prints what is happening, `waiting` reports time passing, `done`/`fail` close the step. */
export class Progress {
  private readonly t0: number;
  private stepStart = 0;
  private step = '';
  private lastWaitLine = 0;
  private pendingTtyLine = false;

  constructor(
    private readonly out: ProgressSink = process.stdout,
    private readonly now: () => number = Date.now,
    private readonly nonTtyEveryMs = 5000,
  ) {
    this.t0 = now();
  }

  /** Milliseconds since this Progress was created. */
  total(): number {
    return this.now() - this.t0;
  }

  /** Begins a step. */
  start(step: string): void {
    this.step = step;
    this.stepStart = this.now();
    this.lastWaitLine = this.stepStart;
    this.print(`… ${step}`);
  }

  /** Reports that the current step is still waiting; throttled outside a TTY. */
  waiting(reason: string): void {
    const t = this.now();
    const line = `… ${this.step} (${seconds(t - this.stepStart)}, ${reason})`;
    if (this.out.isTTY === true) {
      this.out.write(`\r\x1b[2K${line}`);
      this.pendingTtyLine = true;
    } else if (t - this.lastWaitLine >= this.nonTtyEveryMs) {
      this.lastWaitLine = t;
      this.print(line);
    }
  }

  /** Ends the current step successfully. */
  done(detail?: string): void {
    this.print(
      `✓ ${this.step}${detail === undefined ? '' : `: ${detail}`} (${seconds(this.now() - this.stepStart)})`,
    );
  }

  /** Ends the current step with a failure line (the error itself is printed by the caller). */
  fail(detail: string): void {
    this.print(`✗ ${this.step}: ${detail} (${seconds(this.now() - this.stepStart)})`);
  }

  /** Prints a free line. */
  info(text: string): void {
    this.print(text);
  }

  private print(text: string): void {
    if (this.pendingTtyLine) {
      this.out.write('\r\x1b[2K');
      this.pendingTtyLine = false;
    }
    this.out.write(`${text}\n`);
  }
}

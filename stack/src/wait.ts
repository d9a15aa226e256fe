// Readiness polling with a deadline; clock and sleep are injectable so the timing logic is unit-tested.

/** One probe attempt: ready, or not yet with the reason (shown when the wait times out). */
export type ProbeResult =
  { readonly ready: true; readonly detail?: string } | { readonly ready: false; readonly reason: string };

/** Options for {@link waitUntil}. */
export interface WaitOptions {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** Called after each failed attempt with the elapsed time; used for progress lines. */
  readonly onWaiting?: (elapsedMs: number, reason: string) => void;
  /** Checked before each attempt: e.g. the process died, so waiting longer is pointless. */
  readonly abortIf?: () => string | undefined;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The outcome of a wait. */
export type WaitOutcome =
  | { readonly ready: true; readonly elapsedMs: number; readonly detail?: string }
  | { readonly ready: false; readonly elapsedMs: number; readonly reason: string; readonly aborted: boolean };

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it reports ready, `abortIf` says stop, or `timeoutMs` passes. A throwing probe counts as not ready. */
export async function waitUntil(probe: () => Promise<ProbeResult>, opts: WaitOptions): Promise<WaitOutcome> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? defaultSleep;
  const interval = opts.intervalMs ?? 500;
  const start = now();
  let reason = 'not checked yet';
  for (;;) {
    const abort = opts.abortIf?.();
    if (abort !== undefined) return { ready: false, elapsedMs: now() - start, reason: abort, aborted: true };
    let result: ProbeResult;
    try {
      result = await probe();
    } catch (err) {
      result = { ready: false, reason: err instanceof Error ? err.message : String(err) };
    }
    const elapsed = now() - start;
    if (result.ready)
      return result.detail === undefined
        ? { ready: true, elapsedMs: elapsed }
        : { ready: true, elapsedMs: elapsed, detail: result.detail };
    reason = result.reason;
    if (elapsed >= opts.timeoutMs) return { ready: false, elapsedMs: elapsed, reason, aborted: false };
    opts.onWaiting?.(elapsed, reason);
    await sleep(Math.min(interval, Math.max(0, opts.timeoutMs - elapsed)));
  }
}

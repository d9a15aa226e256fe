// Per-client rate limit shared through Redis, so it holds however many instances serve a client: a fixed
// one-minute window per (service, subject). Each instance decides locally from the window's last known
// global count plus what it counted since, and adds its counts to Redis in one pipelined round trip every
// SYNC_MS (one Lua script per subject: INCRBY, PEXPIRE on a new window, PTTL), which answers the new
// global count. So a request costs no Redis round trip; the price is that N instances may together let
// through up to N × (a client's requests in SYNC_MS) more than the limit. When Redis cannot answer, each
// instance goes on limiting with its own counts (a per-instance limit), and the outage is logged at most
// once per LOG_EVERY_MS: a cache outage must not take the API down.
import type { Redis } from 'ioredis';
import type { Logger } from '../logger';

const WINDOW_MS = 60_000;
const SYNC_MS = 100;
const LOG_EVERY_MS = 30_000;
const EVICT_EVERY_MS = 1_000;

// KEYS[1] the counter; ARGV[1] the window in ms; ARGV[2] the requests to add. Returns {count, ms left}.
const ADD = `
local added = tonumber(ARGV[2])
local n = redis.call('INCRBY', KEYS[1], added)
if n == added then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}`;

/** The verdict on one request. */
export type RateVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Counts a client's requests; `hit` never throws. */
export interface RateLimiter {
  hit(subject: string): Promise<RateVerdict>;
}

/** Decides from a window's count (this request included) and time left; pure, for tests. */
export function verdict(count: number, msLeft: number, perMinute: number): RateVerdict {
  if (count <= perMinute) return { allowed: true };
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(msLeft / 1000)) };
}

/** One subject's current window as this instance knows it. */
interface Window {
  /** The global count at the last sync (every instance's requests), or this instance's alone after a failed one. */
  synced: number;
  /** Counted here, not yet sent. */
  pending: number;
  /** Sent, no answer yet. */
  sending: number;
  endsAt: number;
}

/** What one sync adds for one subject. */
export interface RateAddition {
  subject: string;
  added: number;
}

/**
 * The local side of the limit, clock injected (pure, for tests): decides each request from the window's
 * last known global count plus the requests counted here since, and hands those counts to a sync.
 */
export class RateWindows {
  private readonly windows = new Map<string, Window>();
  private lastEvicted = 0;

  constructor(
    private readonly perMinute: number,
    private readonly windowMs: number = WINDOW_MS,
  ) {}

  /** Decides one request at `now` and counts it when allowed. */
  hit(subject: string, now: number): RateVerdict {
    let w = this.windows.get(subject);
    if (w === undefined || now >= w.endsAt) {
      // A new window (provisional end until Redis answers). Counts not yet sent belonged to the old one.
      w = { synced: 0, pending: 0, sending: w?.sending ?? 0, endsAt: now + this.windowMs };
      this.windows.set(subject, w);
    }
    const v = verdict(w.synced + w.sending + w.pending + 1, w.endsAt - now, this.perMinute);
    if (v.allowed) w.pending++;
    return v;
  }

  /** Whether any subject has counts to send. */
  hasPending(): boolean {
    for (const w of this.windows.values()) if (w.pending > 0) return true;
    return false;
  }

  /** Takes every subject's unsent counts for one sync (then answered by `synced` or `failed`). */
  take(now: number): RateAddition[] {
    const out: RateAddition[] = [];
    for (const [subject, w] of this.windows) {
      if (w.pending === 0) continue;
      out.push({ subject, added: w.pending });
      w.sending += w.pending;
      w.pending = 0;
    }
    if (now - this.lastEvicted >= EVICT_EVERY_MS) {
      this.lastEvicted = now;
      for (const [subject, w] of this.windows)
        if (now >= w.endsAt && w.pending === 0 && w.sending === 0) this.windows.delete(subject);
    }
    return out;
  }

  /** Redis counted `a` and answered the window's global count and the ms left in it. */
  synced(a: RateAddition, count: number, msLeft: number, now: number): void {
    const w = this.windows.get(a.subject);
    if (w === undefined) return;
    w.sending = Math.max(0, w.sending - a.added);
    w.synced = count;
    w.endsAt = now + Math.max(0, msLeft);
  }

  /** The sync of `a` failed: its counts stay in this instance's window, which goes on limiting alone. */
  failed(a: RateAddition): void {
    const w = this.windows.get(a.subject);
    if (w === undefined) return;
    w.sending = Math.max(0, w.sending - a.added);
    w.synced += a.added;
  }

  /** Subjects with a window held here. */
  get size(): number {
    return this.windows.size;
  }
}

type RedisWithAdd = Redis & {
  orderflowRateAdd(key: string, windowMs: number, added: number): Promise<[number, number]>;
};

/** A {@link RateLimiter} whose counts reach Redis in batches. */
export interface SharedRateLimiter extends RateLimiter {
  /** Sends the counts not yet sent and takes Redis's answer (the timer does this every sync interval). */
  flush(): Promise<void>;
}

/** A limiter of `perMinute` requests per subject and minute for `service`, shared through `redis`. */
export function redisRateLimiter(
  redis: Redis,
  opts: { service: string; perMinute: number; logger: Logger; syncMs?: number },
): SharedRateLimiter {
  // defineCommand runs the script by EVALSHA (loading it once); a sync pipelines one call per subject.
  if (!('orderflowRateAdd' in redis)) redis.defineCommand('orderflowRateAdd', { numberOfKeys: 1, lua: ADD });
  const client = redis as RedisWithAdd;
  const windows = new RateWindows(opts.perMinute);
  const syncMs = opts.syncMs ?? SYNC_MS;
  let timer: NodeJS.Timeout | undefined;
  let syncing: Promise<void> | undefined;
  let lastLogged = 0;

  const logFailure = (err: unknown): void => {
    if (Date.now() - lastLogged < LOG_EVERY_MS) return;
    lastLogged = Date.now();
    opts.logger.warn({ err }, 'rate limit not shared: Redis does not answer (each instance limits alone)');
  };

  const send = async (): Promise<void> => {
    const additions = windows.take(Date.now());
    try {
      if (additions.length === 0) return;
      const pipeline = client.pipeline() as ReturnType<Redis['pipeline']> & {
        orderflowRateAdd(key: string, windowMs: number, added: number): unknown;
      };
      for (const a of additions)
        pipeline.orderflowRateAdd(`ratelimit:${opts.service}:${a.subject}`, WINDOW_MS, a.added);
      const replies = (await pipeline.exec()) ?? [];
      const now = Date.now();
      additions.forEach((a, i) => {
        const [err, reply] = replies[i] ?? [new Error('no reply'), undefined];
        if (err) {
          windows.failed(a);
          logFailure(err);
          return;
        }
        const [count, msLeft] = reply as [number, number];
        windows.synced(a, Number(count), Number(msLeft), now);
      });
    } catch (err) {
      for (const a of additions) windows.failed(a);
      logFailure(err);
    }
  };

  // One sync at a time; counts made meanwhile go with the next.
  const sync = (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    const next: Promise<void> = (syncing ?? Promise.resolve()).then(send).finally(() => {
      if (syncing !== next) return;
      syncing = undefined;
      if (windows.hasPending()) schedule();
    });
    syncing = next;
    return next;
  };

  const schedule = (): void => {
    if (timer !== undefined || syncing !== undefined) return;
    timer = setTimeout(() => void sync(), syncMs);
    // A pending sync never holds the process open; counts unsent at exit only make the limit laxer.
    timer.unref();
  };

  return {
    hit(subject) {
      const v = windows.hit(subject, Date.now());
      if (v.allowed) schedule();
      return Promise.resolve(v);
    },
    flush: sync,
  };
}

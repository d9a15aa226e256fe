// The rate limit's local side (no Redis): decisions from the last known global count plus local counts,
// what a sync takes and how its answer (or failure) updates the window, window rollover and eviction.
import { RateWindows } from './rate-limit';

const T0 = 1_000_000;

test('allows up to the limit within a window, then answers the seconds left in it', () => {
  const w = new RateWindows(3, 60_000);
  expect([1, 2, 3].map(() => w.hit('alice', T0).allowed)).toEqual([true, true, true]);
  expect(w.hit('alice', T0 + 20_500)).toEqual({ allowed: false, retryAfterSeconds: 40 });
  // Another client has its own window.
  expect(w.hit('bob', T0).allowed).toBe(true);
  // A new window once the old one ends.
  expect(w.hit('alice', T0 + 60_000).allowed).toBe(true);
});

test("a sync's answer brings the other instances' counts into the decision", () => {
  const w = new RateWindows(10, 60_000);
  w.hit('alice', T0);
  w.hit('alice', T0);
  const [sent, ...rest] = w.take(T0);
  expect(sent).toEqual({ subject: 'alice', added: 2 });
  expect(rest).toEqual([]);
  // While the sync is out, its counts still count here.
  for (let i = 0; i < 8; i++) expect(w.hit('alice', T0 + 1).allowed).toBe(true);
  expect(w.hit('alice', T0 + 1).allowed).toBe(false);
  // Redis says the window holds 9 (7 from other instances), 30 s left: with the 8 counted here since, the
  // next request is over the limit until the window Redis reports ends.
  w.synced(sent!, 9, 30_000, T0 + 2);
  expect(w.hit('alice', T0 + 3)).toEqual({ allowed: false, retryAfterSeconds: 30 });
  expect(w.hit('alice', T0 + 30_002).allowed).toBe(true);
});

test('a failed sync keeps its counts here: the instance goes on limiting alone', () => {
  const w = new RateWindows(4, 60_000);
  for (let i = 0; i < 3; i++) w.hit('alice', T0);
  const taken = w.take(T0);
  w.failed(taken[0]!);
  expect(w.hit('alice', T0 + 1).allowed).toBe(true);
  expect(w.hit('alice', T0 + 1).allowed).toBe(false);
  // The next sync sends only what was counted after the failed one.
  expect(w.take(T0 + 2)).toEqual([{ subject: 'alice', added: 1 }]);
});

test('take sends each count once and forgets windows that ended with nothing outstanding', () => {
  const w = new RateWindows(100, 60_000);
  w.hit('alice', T0);
  w.hit('bob', T0);
  w.hit('bob', T0);
  const first = w.take(T0);
  expect(first).toEqual([
    { subject: 'alice', added: 1 },
    { subject: 'bob', added: 2 },
  ]);
  expect(w.take(T0 + 1)).toEqual([]);
  expect(w.hasPending()).toBe(false);
  for (const a of first) w.synced(a, a.added, 60_000, T0 + 1);
  expect(w.size).toBe(2);
  w.take(T0 + 61_001);
  expect(w.size).toBe(0);
});

test('a window with a sync outstanding is not forgotten when it ends', () => {
  const w = new RateWindows(100, 1_000);
  w.hit('alice', T0);
  const out = w.take(T0);
  w.take(T0 + 5_000);
  expect(w.size).toBe(1);
  w.synced(out[0]!, 1, 0, T0 + 5_000);
  w.take(T0 + 10_000);
  expect(w.size).toBe(0);
});

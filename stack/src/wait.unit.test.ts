import { waitUntil, type ProbeResult } from './wait';

/** A fake clock whose sleep advances time instantly. */
function clock() {
  let t = 0;
  return { now: () => t, sleep: (ms: number) => ((t += ms), Promise.resolve()) };
}

test('returns ready with the elapsed time once the probe succeeds', async () => {
  const c = clock();
  const answers: ProbeResult[] = [
    { ready: false, reason: 'refused' },
    { ready: false, reason: 'refused' },
    { ready: true, detail: 'ok' },
  ];
  const waited: number[] = [];
  const outcome = await waitUntil(() => Promise.resolve(answers.shift() ?? { ready: true }), {
    timeoutMs: 10_000,
    intervalMs: 500,
    onWaiting: (ms) => waited.push(ms),
    ...c,
  });
  expect(outcome).toEqual({ ready: true, elapsedMs: 1000, detail: 'ok' });
  expect(waited).toEqual([0, 500]);
});

test('times out with the last reason', async () => {
  const c = clock();
  const outcome = await waitUntil(() => Promise.resolve({ ready: false, reason: `still at ${c.now()}` }), {
    timeoutMs: 2000,
    intervalMs: 500,
    ...c,
  });
  expect(outcome).toEqual({ ready: false, elapsedMs: 2000, reason: 'still at 2000', aborted: false });
});

test('a throwing probe counts as not ready and its message becomes the reason', async () => {
  const c = clock();
  const outcome = await waitUntil(() => Promise.reject(new Error('ECONNREFUSED')), { timeoutMs: 1000, ...c });
  expect(outcome).toMatchObject({ ready: false, reason: 'ECONNREFUSED' });
});

test('stops early when abortIf says the process died', async () => {
  const c = clock();
  let calls = 0;
  const outcome = await waitUntil(
    () => {
      calls++;
      return Promise.resolve({ ready: false, reason: 'starting' });
    },
    {
      timeoutMs: 60_000,
      intervalMs: 500,
      abortIf: () => (c.now() >= 1000 ? 'pid 7 exited' : undefined),
      ...c,
    },
  );
  expect(outcome).toEqual({ ready: false, elapsedMs: 1000, reason: 'pid 7 exited', aborted: true });
  expect(calls).toBe(2);
});

test('never sleeps past the deadline', async () => {
  const c = clock();
  const outcome = await waitUntil(() => Promise.resolve({ ready: false, reason: 'no' }), {
    timeoutMs: 1200,
    intervalMs: 1000,
    ...c,
  });
  expect(outcome.elapsedMs).toBe(1200);
});

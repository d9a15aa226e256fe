import { Progress, seconds } from './progress';

function sink(isTTY: boolean) {
  const out: string[] = [];
  return { out, write: (t: string) => out.push(t), isTTY };
}

test('seconds formats with one decimal', () => {
  expect(seconds(1234)).toBe('1.2s');
  expect(seconds(0)).toBe('0.0s');
});

test('outside a TTY, waiting prints at most one line per interval, and steps end with elapsed seconds', () => {
  let t = 0;
  const s = sink(false);
  const p = new Progress(s, () => t, 5000);
  p.start('kafka');
  for (t = 0; t <= 12_000; t += 500) p.waiting('refused');
  p.done('ready');
  expect(s.out).toEqual([
    '… kafka\n',
    '… kafka (5.0s, refused)\n',
    '… kafka (10.0s, refused)\n',
    '✓ kafka: ready (12.5s)\n',
  ]);
});

test('in a TTY, waiting rewrites one line which is cleared before the next line', () => {
  let t = 0;
  const s = sink(true);
  const p = new Progress(s, () => t);
  p.start('registry');
  t = 1000;
  p.waiting('fetch failed');
  t = 2000;
  p.fail('exited');
  expect(s.out.join('')).toBe(
    '… registry\n\r\x1b[2K… registry (1.0s, fetch failed)\r\x1b[2K✗ registry: exited (2.0s)\n',
  );
});

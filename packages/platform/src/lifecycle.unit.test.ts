import { createLogger } from './logger';
import { runService, stopAll } from './lifecycle';

const logger = createLogger({ service: 'lifecycle-test', level: 'silent' });
const SIGNAL: NodeJS.Signals = 'SIGUSR2';

afterEach(() => {
  process.removeAllListeners(SIGNAL);
});

function exitRecorder() {
  const codes: number[] = [];
  let resolveExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((r) => (resolveExit = r));
  return { codes, exited, exit: (code: number) => (codes.push(code), resolveExit(code)) };
}

describe('runService', () => {
  it('stops the service on a signal and exits 0', async () => {
    const rec = exitRecorder();
    const steps: string[] = [];
    await runService({
      logger,
      signals: [SIGNAL],
      exit: rec.exit,
      start: () =>
        Promise.resolve({
          stop: () =>
            stopAll(logger, [
              ['http', () => Promise.resolve(steps.push('http'))],
              ['kafka', () => Promise.reject(new Error('already gone'))],
              ['db', () => Promise.resolve(steps.push('db'))],
            ]),
        }),
    });
    process.emit(SIGNAL, SIGNAL);
    expect(await rec.exited).toBe(0);
    // A failing step is logged and does not skip the ones after it.
    expect(steps).toEqual(['http', 'db']);
  });

  it('exits 1 when start fails', async () => {
    const rec = exitRecorder();
    await runService({
      logger,
      signals: [SIGNAL],
      exit: rec.exit,
      start: () => Promise.reject(new Error('DATABASE_URL is not set')),
    });
    expect(rec.codes).toEqual([1]);
  });

  it('exits 1 at once on a second signal, and when stop outlasts the timeout', async () => {
    const rec = exitRecorder();
    await runService({
      logger,
      signals: [SIGNAL],
      exit: rec.exit,
      shutdownTimeoutMs: 300,
      start: () => Promise.resolve({ stop: () => new Promise<void>(() => undefined) }),
    });
    process.emit(SIGNAL, SIGNAL);
    process.emit(SIGNAL, SIGNAL);
    expect(await rec.exited).toBe(1);
    await new Promise((r) => setTimeout(r, 500));
    expect(rec.codes).toEqual([1, 1]);
  });
});

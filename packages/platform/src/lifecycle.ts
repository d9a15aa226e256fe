import type { Logger } from './logger';

/** What a service's start returns: how to stop everything it started, in order. */
export interface RunningService {
  stop: () => Promise<void>;
}

/**
 * Runs a service: `start()` brings it up; SIGTERM/SIGINT call its `stop()` (stop accepting, finish
 * in-flight work, close clients) and exit 0. A second signal, or `stop()` outlasting the timeout,
 * exits 1 at once; a failed start exits 1 with the error logged.
 */
export function runService(opts: {
  logger: Logger;
  start: () => Promise<RunningService>;
  shutdownTimeoutMs?: number;
  /** For tests; defaults to process.exit. */
  exit?: (code: number) => void;
  signals?: NodeJS.Signals[];
}): Promise<void> {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const log = opts.logger;
  const main = async (): Promise<void> => {
    const running = await opts.start();
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        log.warn({ signal }, 'second signal; exiting now');
        exit(1);
        return;
      }
      stopping = true;
      log.info({ signal }, 'shutting down');
      const timer = setTimeout(() => {
        log.error({ timeoutMs: opts.shutdownTimeoutMs ?? 15_000 }, 'shutdown timed out; exiting');
        exit(1);
      }, opts.shutdownTimeoutMs ?? 15_000);
      timer.unref();
      running.stop().then(
        () => {
          clearTimeout(timer);
          log.info('stopped');
          log.flush();
          exit(0);
        },
        (err: unknown) => {
          clearTimeout(timer);
          log.error({ err }, 'shutdown failed');
          exit(1);
        },
      );
    };
    for (const s of opts.signals ?? (['SIGTERM', 'SIGINT'] as NodeJS.Signals[])) process.on(s, onSignal);
    log.info('started');
  };
  return main().catch((err: unknown) => {
    log.fatal({ err }, 'failed to start');
    log.flush();
    exit(1);
  });
}

/** Runs each stop step in order, logging (not throwing) a failed step so later ones still run. */
export async function stopAll(
  log: Logger,
  steps: [name: string, stop: () => Promise<unknown>][],
): Promise<void> {
  for (const [name, stop] of steps) {
    try {
      await stop();
    } catch (err) {
      log.error({ err, step: name }, 'stop step failed');
    }
  }
}

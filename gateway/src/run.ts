/**
 * Running a service from the command line (the gateway's `main.ts`, the key service's): the
 * configuration first (a {@link ConfigError} exits 2 with its message), then the start (a failure
 * is logged and exits 1), then a clean stop on SIGINT or SIGTERM (exit 0, or 1 if the stop fails).
 *
 * @module
 */

import { ConfigError } from './config.ts';
import { createLogger, type Level, type Logger } from './log.ts';

/** Runs `start(load())` until SIGINT or SIGTERM; `name` prefixes the log events (`gateway.stopping`). */
export async function runUntilSignalled<C extends { logLevel: Level }>(
  name: string,
  load: () => C,
  start: (config: C, log: Logger) => Promise<{ stop(): Promise<void> }>,
): Promise<void> {
  let config: C;
  try {
    config = load();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${name}: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const log = createLogger(config.logLevel);
  try {
    const running = await start(config, log);
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      log.info(`${name}.stopping`, { signal });
      running.stop().then(() => process.exit(0), () => process.exit(1));
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  } catch (e) {
    log.error(`${name}.start_failed`, { error: (e as Error).name, message: (e as Error).message });
    process.exit(1);
  }
}

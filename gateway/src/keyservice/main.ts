/**
 * `npm run keyservice`: runs the emergency key service until SIGINT or SIGTERM. Settings from
 * the environment (README.md, "Emergency key service"). Exits 2 on a bad setting, 1 when it
 * cannot start (the node unreachable, another key registered for the account).
 *
 * @module
 */

import { createLogger } from '../log.ts';
import { ConfigError, loadKeyServiceConfig } from './config.ts';
import { startKeyService } from './start.ts';

let config;
try {
  config = loadKeyServiceConfig(process.env);
} catch (e) {
  if (e instanceof ConfigError) {
    process.stderr.write(`keyservice: ${e.message}\n`);
    process.exit(2);
  }
  throw e;
}
const log = createLogger(config.logLevel);
try {
  const running = await startKeyService(config, log);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info('keyservice.stopping', { signal });
    running.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
} catch (e) {
  log.error('keyservice.start_failed', { error: (e as Error).name, message: (e as Error).message });
  process.exit(1);
}

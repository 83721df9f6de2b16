/**
 * `npm start -- [--flag value…]`: runs a gateway until SIGINT or SIGTERM. Settings: README.md,
 * "Configuration". Exits 2 on a bad setting, 1 when it cannot start (the node unreachable, a
 * port taken).
 *
 * @module
 */

import { ConfigError, loadConfig } from './config.ts';
import { startGateway } from './gateway.ts';
import { createLogger } from './log.ts';

let config;
try {
  config = loadConfig(process.argv.slice(2), process.env);
} catch (e) {
  if (e instanceof ConfigError) {
    process.stderr.write(`gateway: ${e.message}\n`);
    process.exit(2);
  }
  throw e;
}
const log = createLogger(config.logLevel);
try {
  const gateway = await startGateway(config, log);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info('gateway.stopping', { signal });
    gateway.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
} catch (e) {
  log.error('gateway.start_failed', { error: (e as Error).name, message: (e as Error).message });
  process.exit(1);
}

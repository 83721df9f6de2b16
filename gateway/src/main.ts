/**
 * `npm start -- [--flag value…]`: runs a gateway until SIGINT or SIGTERM. Settings: README.md,
 * "Configuration". Exits 2 on a bad setting, 1 when it cannot start (the node unreachable, a
 * port taken).
 *
 * @module
 */

import { loadConfig } from './config.ts';
import { startGateway } from './gateway.ts';
import { runUntilSignalled } from './run.ts';

await runUntilSignalled('gateway', () => loadConfig(process.argv.slice(2), process.env), startGateway);

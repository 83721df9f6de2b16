/**
 * `npm run keyservice`: runs the emergency key service until SIGINT or SIGTERM. Settings from
 * the environment (README.md, "Emergency key service"). Exits 2 on a bad setting, 1 when it
 * cannot start (the node unreachable, another key registered for the account).
 *
 * @module
 */

import { runUntilSignalled } from '../run.ts';
import { loadKeyServiceConfig } from './config.ts';
import { startKeyService } from './start.ts';

await runUntilSignalled('keyservice', () => loadKeyServiceConfig(process.env), (config, log) => startKeyService(config, log));

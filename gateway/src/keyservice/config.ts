/**
 * The key service's settings, from environment variables only (its two secrets must not show in
 * the process list, as command-line flags would). See README.md, "Emergency key service".
 *
 * @module
 */

import { isValidRecoveryPhrase } from '@telemed/sdk';
import { ConfigError } from '../config.ts';
import type { Level } from '../log.ts';

export { ConfigError };

/** The key service's settings. */
export interface KeyServiceConfig {
  /** The telemed node's WebSocket RPC. `KEYSERVICE_NODE_WS`, default `ws://127.0.0.1:9944`. */
  nodeWs: string;
  /**
   * The service account's signing key: a secret URI for sr25519 (a BIP-39 phrase, optionally
   * with a `//derivation`, or a dev URI such as `//Dave`). `KEYSERVICE_SIGNING_SEED`, required.
   */
  signingSeed: string;
  /**
   * The BIP-39 recovery phrase its key-agreement key comes from (the "health" keys, separate
   * from the signing key, as for any patient). `KEYSERVICE_RECOVERY_PHRASE`, required.
   */
  recoveryPhrase: string;
  /** Attempts per record before giving up. `KEYSERVICE_MAX_ATTEMPTS`, default 3. */
  maxAttempts: number;
  /** Log level. `KEYSERVICE_LOG_LEVEL`, default `info`. */
  logLevel: Level;
}

/**
 * The configuration from `env`.
 *
 * @throws {@link ConfigError} naming the variable of a missing or invalid value (never its value:
 *   the secrets must not reach a log)
 */
export function loadKeyServiceConfig(env: NodeJS.ProcessEnv): KeyServiceConfig {
  const nodeWs = env.KEYSERVICE_NODE_WS || 'ws://127.0.0.1:9944';
  if (!/^wss?:\/\//.test(nodeWs)) throw new ConfigError(`KEYSERVICE_NODE_WS: ${JSON.stringify(nodeWs)} is not a ws:// or wss:// URL`);
  const signingSeed = env.KEYSERVICE_SIGNING_SEED ?? '';
  if (signingSeed.trim() === '') throw new ConfigError('KEYSERVICE_SIGNING_SEED is required (the service account\'s secret URI)');
  const recoveryPhrase = (env.KEYSERVICE_RECOVERY_PHRASE ?? '').trim().split(/\s+/).join(' ');
  if (recoveryPhrase === '') throw new ConfigError('KEYSERVICE_RECOVERY_PHRASE is required (a BIP-39 phrase for the key-agreement key)');
  if (!isValidRecoveryPhrase(recoveryPhrase)) throw new ConfigError('KEYSERVICE_RECOVERY_PHRASE is not a valid BIP-39 English phrase');
  const attempts = env.KEYSERVICE_MAX_ATTEMPTS || '3';
  const maxAttempts = Number(attempts);
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 100) {
    throw new ConfigError(`KEYSERVICE_MAX_ATTEMPTS: ${JSON.stringify(attempts)} is not an integer in 1..=100`);
  }
  const logLevel = env.KEYSERVICE_LOG_LEVEL || 'info';
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) {
    throw new ConfigError(`KEYSERVICE_LOG_LEVEL: ${JSON.stringify(logLevel)} is not debug, info, warn or error`);
  }
  return { nodeWs, signingSeed, recoveryPhrase, maxAttempts, logLevel: logLevel as Level };
}

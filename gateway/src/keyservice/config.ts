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
  /**
   * The telemed node's WebSocket RPC: `ws://` or `wss://` on a loopback address only (the
   * service believes what its node says: run it beside its own node). `KEYSERVICE_NODE_WS`,
   * default `ws://127.0.0.1:9944`.
   */
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
  /**
   * The only patients served (SS58, comma-separated in `KEYSERVICE_PATIENTS`); undefined (unset):
   * every patient that appoints the service (anyone can: README.md says what that costs).
   */
  patients: ReadonlySet<string> | undefined;
  /** Most releases sent for one break-glass access. `KEYSERVICE_MAX_PER_EMERGENCY`, default 32. */
  maxPerEmergency: number;
  /** Most releases for one patient per 24 h of chain time. `KEYSERVICE_MAX_PER_PATIENT_DAY`, default 64. */
  maxPerPatientPerDay: number;
  /** Free balance (planck) kept after a release's deposit and fee. `KEYSERVICE_BALANCE_FLOOR`, default 0. */
  balanceFloor: bigint;
  /** Rescan the open accesses every this many blocks. `KEYSERVICE_RESCAN_BLOCKS`, default 10. */
  rescanBlocks: number;
}

/** Whether `url` is a `ws://` or `wss://` URL to a loopback address (127.0.0.0/8, `::1`, `localhost`). */
export function isLoopbackWs(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') return false;
  const host = parsed.hostname;
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, max: number): number {
  const text = env[name] || String(fallback);
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new ConfigError(`${name}: ${JSON.stringify(text)} is not an integer in 1..=${max}`);
  }
  return value;
}

/**
 * The configuration from `env`.
 *
 * @throws {@link ConfigError} naming the variable of a missing or invalid value (never its value:
 *   the secrets must not reach a log)
 */
export function loadKeyServiceConfig(env: NodeJS.ProcessEnv): KeyServiceConfig {
  const nodeWs = env.KEYSERVICE_NODE_WS || 'ws://127.0.0.1:9944';
  if (!isLoopbackWs(nodeWs)) {
    throw new ConfigError(`KEYSERVICE_NODE_WS: ${JSON.stringify(nodeWs)} is not a ws:// or wss:// URL to a loopback address (run the service beside its own node)`);
  }
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
  let patients: Set<string> | undefined;
  if (env.KEYSERVICE_PATIENTS !== undefined && env.KEYSERVICE_PATIENTS !== '') {
    patients = new Set(env.KEYSERVICE_PATIENTS.split(',').map((p) => p.trim()).filter((p) => p !== ''));
    if (patients.size === 0) throw new ConfigError('KEYSERVICE_PATIENTS names no account (unset it to serve every patient)');
  }
  const floor = env.KEYSERVICE_BALANCE_FLOOR || '0';
  if (!/^\d{1,38}$/.test(floor)) throw new ConfigError(`KEYSERVICE_BALANCE_FLOOR: ${JSON.stringify(floor)} is not a non-negative integer`);
  return {
    nodeWs, signingSeed, recoveryPhrase, maxAttempts, logLevel: logLevel as Level, patients,
    maxPerEmergency: integer(env, 'KEYSERVICE_MAX_PER_EMERGENCY', 32, 10_000),
    maxPerPatientPerDay: integer(env, 'KEYSERVICE_MAX_PER_PATIENT_DAY', 64, 100_000),
    balanceFloor: BigInt(floor),
    rescanBlocks: integer(env, 'KEYSERVICE_RESCAN_BLOCKS', 10, 10_000),
  };
}

/**
 * Configuration, from the environment (the held keys must not appear in the process list):
 * see README.md, "Configuration".
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { createSecureContext } from 'node:tls';
import { Keyring } from '@polkadot/keyring';
import { isHex } from '@polkadot/util';
import { KeyRing, fromHex, isValidRecoveryPhrase, type Actor } from '@telemed/sdk';
import { x25519 } from '@noble/curves/ed25519.js';
import { ConfigError } from '../../gateway/src/config.ts';
import type { Level } from '../../gateway/src/log.ts';
import { DEFAULT_CHAIN_CONCURRENCY, DEFAULT_MAX_HEAVY_REQUESTS } from './concurrency.ts';
import { DEFAULT_KEYS_PER_CALLER } from './idempotency.ts';
import { LIMITS } from './server.ts';

export { ConfigError };

/** The facade's settings. */
export interface FhirConfig {
  /** `FHIR_HOST`, default `127.0.0.1`. */
  host: string;
  /** `FHIR_PORT` (0: any free port), default 8790. */
  port: number;
  /** `FHIR_BASE_URL`: the public base URL of links; default the URL it listens on. */
  baseUrl?: string;
  /** `FHIR_NODE_WS`, default `ws://127.0.0.1:9944`. */
  nodeWs: string;
  /** `FHIR_GATEWAY_URL`, default `http://127.0.0.1:8787`: where ciphertexts are stored and served. */
  gatewayUrl: string;
  /** `FHIR_CLOCK_SKEW_MS`, default 60000. */
  clockSkewMs: number;
  /** `FHIR_MAX_BODY_BYTES`, default 1048576. */
  maxBodyBytes: number;
  /** `FHIR_REQUEST_TIMEOUT_MS`, default 120000: a request not answered by then is answered `504 timeout`. */
  requestTimeoutMs: number;
  /** `FHIR_MAX_BATCH_ENTRIES`, default 20: a larger batch is refused (`422 too-costly`), nothing written. */
  maxBatchEntries: number;
  /** `FHIR_HEADERS_TIMEOUT_MS`, default 10000: time to receive a request's headers (then 408, connection closed). */
  headersTimeoutMs: number;
  /** `FHIR_RECEIVE_TIMEOUT_MS`, default 30000: time to receive a whole request, headers and body. */
  receiveTimeoutMs: number;
  /** `FHIR_MAX_CONNECTIONS`, default 512: most open connections (more are dropped). */
  maxConnections: number;
  /** `FHIR_MAX_NONCES_PER_ACCOUNT`, default 10000: most requests of one account within the replay window (twice the clock skew); more are `429`. */
  maxNoncesPerAccount: number;
  /** `FHIR_CHAIN_CONCURRENCY`, default 8: chain queries one request makes at once (a patient's record versions and their access checks). */
  chainConcurrency: number;
  /** `FHIR_MAX_HEAVY_REQUESTS`, default 4: DocumentReference and Claim searches answered at once (more: `503` with `Retry-After`). */
  maxHeavyRequests: number;
  /** `FHIR_DRAIN_TIMEOUT_MS`, default 30000: how long a stop waits for the requests under way (a write waiting for its blocks) before it closes the connections. */
  drainTimeoutMs: number;
  /** `FHIR_MAX_KEYS_PER_CALLER`, default 10000: write keys (`If-None-Exist`, `X-Request-Id`) remembered per caller for a day. */
  maxKeysPerCaller: number;
  /** `FHIR_TLS_CERT` / `FHIR_TLS_KEY`: the PEM certificate (chain) and private key to serve HTTPS with, read from those files. */
  tls?: { cert: string; key: string };
  /** `FHIR_SIGNERS`: the held keys (see {@link parseSigners}). */
  signers: Actor[];
  /** `FHIR_LOG_LEVEL`, default `info`. */
  logLevel: Level;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be an integer in ${min}..=${max}`);
  return n;
}

/**
 * The held keys: entries separated by `;`, each `<signing secret URI>|<key-agreement key>`, the
 * signing key an sr25519 secret URI (a BIP-39 phrase, optionally with `//derivation`; `//Bob` on
 * a dev chain) and the key-agreement key a BIP-39 recovery phrase (the SDK's `KeyRing`, key
 * version 0) or `0x` + a 32-byte X25519 secret key. The message of an error never repeats a key.
 */
export function parseSigners(text: string | undefined, ss58Format = 42): Actor[] {
  if (text === undefined || text.trim() === '') return [];
  const keyring = new Keyring({ type: 'sr25519', ss58Format });
  return text.split(';').map((entry, i) => {
    const [signing, agreement, ...rest] = entry.split('|').map((s) => s.trim());
    if (!signing || !agreement || rest.length > 0) throw new ConfigError(`FHIR_SIGNERS entry ${i + 1} must be <signing secret URI>|<key-agreement key>`);
    let signer;
    try {
      signer = keyring.addFromUri(signing);
    } catch {
      throw new ConfigError(`FHIR_SIGNERS entry ${i + 1}: the signing key is not a secret URI`);
    }
    if (isHex(agreement, 256)) {
      const secretKey = fromHex(agreement);
      return { signer, keys: { keyVersion: 0, secretKey, publicKey: x25519.getPublicKey(secretKey) } };
    }
    if (!isValidRecoveryPhrase(agreement)) throw new ConfigError(`FHIR_SIGNERS entry ${i + 1}: the key-agreement key is neither a recovery phrase nor 0x + 32 bytes`);
    return { signer, keys: KeyRing.fromRecoveryPhrase(agreement) };
  });
}

/** Defaults of the settings that have one (README.md, "Configuration"). */
export const DEFAULTS = {
  requestTimeoutMs: 120_000,
  maxBatchEntries: 20,
  ...LIMITS,
  chainConcurrency: DEFAULT_CHAIN_CONCURRENCY,
  maxHeavyRequests: DEFAULT_MAX_HEAVY_REQUESTS,
  maxKeysPerCaller: DEFAULT_KEYS_PER_CALLER,
} as const;

/**
 * Whether `host` listens on the loopback interface only (`127.0.0.0/8`, `::1`, `localhost`); an
 * unspecified address (`0.0.0.0`, `::`) or any other name or address does not.
 */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(h) || /^::ffff:127\./.test(h);
  return false;
}

/** The TLS certificate and key named by `FHIR_TLS_CERT`/`FHIR_TLS_KEY` (both or neither), checked to pair up. */
function tlsFiles(env: NodeJS.ProcessEnv): { cert: string; key: string } | undefined {
  const certPath = env.FHIR_TLS_CERT;
  const keyPath = env.FHIR_TLS_KEY;
  if (!certPath && !keyPath) return undefined;
  if (!certPath || !keyPath) throw new ConfigError('FHIR_TLS_CERT and FHIR_TLS_KEY go together: set both or neither');
  const read = (name: string, path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      throw new ConfigError(`${name}: cannot read the file it names`);
    }
  };
  const tls = { cert: read('FHIR_TLS_CERT', certPath), key: read('FHIR_TLS_KEY', keyPath) };
  try {
    createSecureContext(tls);
  } catch {
    // The message of the TLS library is not repeated: it could quote the key.
    throw new ConfigError('FHIR_TLS_CERT and FHIR_TLS_KEY must be a PEM certificate and its private key');
  }
  return tls;
}

/** The times to receive a request: its headers within the whole (Node refuses a longer headers timeout). */
function receiving(env: NodeJS.ProcessEnv): { headersTimeoutMs: number; receiveTimeoutMs: number } {
  const headersTimeoutMs = int(env, 'FHIR_HEADERS_TIMEOUT_MS', DEFAULTS.headersTimeoutMs, 100, 600_000);
  const receiveTimeoutMs = int(env, 'FHIR_RECEIVE_TIMEOUT_MS', DEFAULTS.receiveTimeoutMs, 100, 3_600_000);
  if (headersTimeoutMs > receiveTimeoutMs) throw new ConfigError('FHIR_HEADERS_TIMEOUT_MS must not be more than FHIR_RECEIVE_TIMEOUT_MS');
  return { headersTimeoutMs, receiveTimeoutMs };
}

/** The settings from `env`. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): FhirConfig {
  const level = env.FHIR_LOG_LEVEL ?? 'info';
  if (!['debug', 'info', 'warn', 'error'].includes(level)) throw new ConfigError('FHIR_LOG_LEVEL must be debug, info, warn or error');
  const url = (name: string, fallback: string, schemes: string[]) => {
    const value = env[name] || fallback;
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      throw new ConfigError(`${name} is not a URL`);
    }
    if (!schemes.includes(parsed.protocol)) throw new ConfigError(`${name} must be a ${schemes.join(' or ')} URL`);
    return value;
  };
  const host = env.FHIR_HOST || '127.0.0.1';
  const baseUrl = env.FHIR_BASE_URL ? url('FHIR_BASE_URL', '', ['http:', 'https:']) : undefined;
  const tls = tlsFiles(env);
  // Signed requests are not secret, but the health data in their bodies and answers is: off the
  // machine, only over TLS, the facade's own or a proxy's in front of it (then its https: URL is
  // the base URL, the audience clients sign for).
  if (!isLoopback(host) && tls === undefined && !baseUrl?.startsWith('https:')) {
    throw new ConfigError('FHIR_HOST is not a loopback address: serve TLS (FHIR_TLS_CERT and FHIR_TLS_KEY), or put a TLS proxy in front and set FHIR_BASE_URL to its https: URL');
  }
  return {
    host,
    port: int(env, 'FHIR_PORT', 8790, 0, 65535),
    ...(baseUrl === undefined ? {} : { baseUrl }),
    ...(tls === undefined ? {} : { tls }),
    nodeWs: url('FHIR_NODE_WS', 'ws://127.0.0.1:9944', ['ws:', 'wss:']),
    gatewayUrl: url('FHIR_GATEWAY_URL', 'http://127.0.0.1:8787', ['http:', 'https:']),
    clockSkewMs: int(env, 'FHIR_CLOCK_SKEW_MS', 60_000, 1_000, 3_600_000),
    maxBodyBytes: int(env, 'FHIR_MAX_BODY_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    requestTimeoutMs: int(env, 'FHIR_REQUEST_TIMEOUT_MS', DEFAULTS.requestTimeoutMs, 1_000, 3_600_000),
    maxBatchEntries: int(env, 'FHIR_MAX_BATCH_ENTRIES', DEFAULTS.maxBatchEntries, 1, 1_000),
    ...receiving(env),
    maxConnections: int(env, 'FHIR_MAX_CONNECTIONS', DEFAULTS.maxConnections, 1, 1_000_000),
    maxNoncesPerAccount: int(env, 'FHIR_MAX_NONCES_PER_ACCOUNT', DEFAULTS.maxNoncesPerAccount, 1, 1_000_000),
    chainConcurrency: int(env, 'FHIR_CHAIN_CONCURRENCY', DEFAULTS.chainConcurrency, 1, 64),
    maxHeavyRequests: int(env, 'FHIR_MAX_HEAVY_REQUESTS', DEFAULTS.maxHeavyRequests, 1, 1_000),
    drainTimeoutMs: int(env, 'FHIR_DRAIN_TIMEOUT_MS', DEFAULTS.drainTimeoutMs, 0, 3_600_000),
    maxKeysPerCaller: int(env, 'FHIR_MAX_KEYS_PER_CALLER', DEFAULTS.maxKeysPerCaller, 1, 1_000_000),
    signers: parseSigners(env.FHIR_SIGNERS),
    logLevel: level as Level,
  };
}

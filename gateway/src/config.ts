/**
 * Configuration: every setting from a command-line flag, else an environment variable, else
 * its documented default (see README.md, "Configuration").
 *
 * @module
 */

import { resolve } from 'node:path';
import type { Level } from './log.ts';

/** The gateway's settings. */
export interface Config {
  /** HTTP listen host. `--host`, `GATEWAY_HOST`, default `127.0.0.1`. */
  host: string;
  /** HTTP listen port (0: any free port). `--port`, `GATEWAY_PORT`, default 8787. */
  port: number;
  /** Directory for IPFS blocks and the node's key. `--data-dir`, `GATEWAY_DATA_DIR`, default `./gateway-data`. */
  dataDir: string;
  /** The telemed node's WebSocket RPC. `--node-ws`, `GATEWAY_NODE_WS`, default `ws://127.0.0.1:9944`. */
  nodeWs: string;
  /** IPFS (libp2p TCP) listen host. `--ipfs-host`, `GATEWAY_IPFS_HOST`, default `127.0.0.1`. */
  ipfsHost: string;
  /** IPFS listen port (0: any free port). `--ipfs-port`, `GATEWAY_IPFS_PORT`, default 4101. */
  ipfsPort: number;
  /** Other gateways' IPFS multiaddrs, comma-separated. `--peers`, `GATEWAY_PEERS`, default none. */
  peers: string[];
  /** Largest blob accepted or served, bytes. `--max-blob-bytes`, `GATEWAY_MAX_BLOB_BYTES`, default 4194304 (4 MiB). */
  maxBlobBytes: number;
  /** How long a read challenge stays valid, ms. `--challenge-ttl-ms`, `GATEWAY_CHALLENGE_TTL_MS`, default 30000. */
  challengeTtlMs: number;
  /** Most redeemed challenges remembered at once (issuing keeps no state). `--max-challenges`, `GATEWAY_MAX_CHALLENGES`, default 100000. */
  maxChallenges: number;
  /** How far a write's timestamp may be from the gateway's clock, ms. `--clock-skew-ms`, `GATEWAY_CLOCK_SKEW_MS`, default 60000. */
  clockSkewMs: number;
  /** Longest wait for one chain answer, ms. `--chain-timeout-ms`, `GATEWAY_CHAIN_TIMEOUT_MS`, default 5000. */
  chainTimeoutMs: number;
  /** Longest wait for a blob from IPFS, ms. `--fetch-timeout-ms`, `GATEWAY_FETCH_TIMEOUT_MS`, default 15000. */
  fetchTimeoutMs: number;
  /** How often to redial a configured peer, ms. `--redial-ms`, `GATEWAY_REDIAL_MS`, default 10000. */
  redialMs: number;
  /** Most consultation relays open at once. `--relay-max-sessions`, `GATEWAY_RELAY_MAX_SESSIONS`, default 1000. */
  relayMaxSessions: number;
  /** A relay connection with no frame for this long is closed, ms. `--relay-idle-ms`, `GATEWAY_RELAY_IDLE_MS`, default 600000. */
  relayIdleMs: number;
  /** Frames kept for a party not connected yet (or reconnecting), per party. `--relay-max-pending`, `GATEWAY_RELAY_MAX_PENDING`, default 64. */
  relayMaxPending: number;
  /** Log level. `--log-level`, `GATEWAY_LOG_LEVEL`, default `info`. */
  logLevel: Level;
}

/** The defaults, as documented. */
export const DEFAULTS: Config = {
  host: '127.0.0.1',
  port: 8787,
  dataDir: './gateway-data',
  nodeWs: 'ws://127.0.0.1:9944',
  ipfsHost: '127.0.0.1',
  ipfsPort: 4101,
  peers: [],
  maxBlobBytes: 4 * 1024 * 1024,
  challengeTtlMs: 30_000,
  maxChallenges: 100_000,
  clockSkewMs: 60_000,
  chainTimeoutMs: 5_000,
  fetchTimeoutMs: 15_000,
  redialMs: 10_000,
  relayMaxSessions: 1000,
  relayIdleMs: 600_000,
  relayMaxPending: 64,
  logLevel: 'info',
};

/** A setting that is not valid; the message names the flag and the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Key = keyof Config;

/** `maxBlobBytes` → `max-blob-bytes` (the flag) and `GATEWAY_MAX_BLOB_BYTES` (the variable). */
function names(key: Key): { flag: string; env: string } {
  const kebab = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  return { flag: kebab, env: `GATEWAY_${kebab.replace(/-/g, '_').toUpperCase()}` };
}

/**
 * The configuration from `argv` (`--name value` or `--name=value`) over `env` over
 * {@link DEFAULTS}. Throws {@link ConfigError} on an unknown flag or an invalid value.
 */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): Config {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument ${arg}`);
    const eq = arg.indexOf('=');
    if (eq > 0) {
      flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    } else {
      const value = argv[i + 1];
      if (value === undefined) throw new ConfigError(`${arg} needs a value`);
      flags.set(arg.slice(2), value);
      i++;
    }
  }
  const known = new Set((Object.keys(DEFAULTS) as Key[]).map((k) => names(k).flag));
  for (const flag of flags.keys()) {
    if (!known.has(flag)) throw new ConfigError(`unknown flag --${flag}`);
  }
  const raw = (key: Key): string | undefined => {
    const { flag, env: variable } = names(key);
    return flags.get(flag) ?? env[variable];
  };
  const int = (key: Key, min: number, max: number): number => {
    const value = raw(key);
    if (value === undefined || value === '') return DEFAULTS[key] as number;
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      const { flag, env: variable } = names(key);
      throw new ConfigError(`--${flag} / ${variable}: ${JSON.stringify(value)} is not an integer in ${min}..=${max}`);
    }
    return n;
  };
  const str = (key: Key): string => {
    const value = raw(key);
    return value === undefined || value === '' ? (DEFAULTS[key] as string) : value;
  };
  const level = str('logLevel');
  if (!['debug', 'info', 'warn', 'error'].includes(level)) {
    throw new ConfigError(`--log-level / GATEWAY_LOG_LEVEL: ${JSON.stringify(level)} is not debug, info, warn or error`);
  }
  const peers = (raw('peers') ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '');
  for (const peer of peers) {
    if (!peer.startsWith('/') || !peer.includes('/p2p/')) {
      throw new ConfigError(`--peers / GATEWAY_PEERS: ${JSON.stringify(peer)} is not a multiaddr ending in /p2p/<peer id>`);
    }
  }
  const nodeWs = str('nodeWs');
  if (!/^wss?:\/\//.test(nodeWs)) {
    throw new ConfigError(`--node-ws / GATEWAY_NODE_WS: ${JSON.stringify(nodeWs)} is not a ws:// or wss:// URL`);
  }
  return {
    host: str('host'),
    port: int('port', 0, 65535),
    dataDir: resolve(str('dataDir')),
    nodeWs,
    ipfsHost: str('ipfsHost'),
    ipfsPort: int('ipfsPort', 0, 65535),
    peers,
    maxBlobBytes: int('maxBlobBytes', 1024, 2 ** 31),
    challengeTtlMs: int('challengeTtlMs', 1_000, 600_000),
    maxChallenges: int('maxChallenges', 1, 10_000_000),
    clockSkewMs: int('clockSkewMs', 1_000, 3_600_000),
    chainTimeoutMs: int('chainTimeoutMs', 100, 600_000),
    fetchTimeoutMs: int('fetchTimeoutMs', 100, 600_000),
    redialMs: int('redialMs', 100, 3_600_000),
    relayMaxSessions: int('relayMaxSessions', 1, 1_000_000),
    relayIdleMs: int('relayIdleMs', 1_000, 86_400_000),
    relayMaxPending: int('relayMaxPending', 1, 10_000),
    logLevel: level as Level,
  };
}

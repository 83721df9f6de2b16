// A network of real validators on loopback for the network suite: the `local` chain (Alice, Bob,
// Charlie and Dave validate), each node on its own base path with a fixed node key and p2p port,
// so that it keeps its identity and address across restarts and every node can name every other
// one as a boot node before any of them has started. MDNS is off and nodes listen on 127.0.0.1
// only: they find each other through the boot nodes and nothing else.
//
// Heads, blocks and state are read over plain JSON-RPC (HTTP): nothing has to reconnect when a
// node is killed and restarted on another RPC port. Transactions (`councilPasses`) go through
// @polkadot/api connected to a node that stays up.

import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hexToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { base58Encode, blake2AsHex, cryptoWaitReady, ed25519PairFromSeed, xxhashAsHex } from '@polkadot/util-crypto';
import '@polkadot/api-augment';
import type { ApiPromise } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import { eventOf } from './events.ts';
import { jsonRpcResult } from './jsonrpc.ts';
import { dev } from './keyring.ts';
import { freePort, nodeBinary, startNode, type RunningNode } from './node.ts';
import { submitOk, type Outcome } from './tx.ts';

/** Slot (and block) time of the runtime, in milliseconds. */
export const SLOT_MS = 6_000;

/** The `local` preset's validators, in authority order. */
export const VALIDATOR_NAMES = ['alice', 'bob', 'charlie', 'dave'] as const;
export type ValidatorName = (typeof VALIDATOR_NAMES)[number];

/** A node of the network: a base path, a node key and a p2p port that outlive its process. */
export interface Validator {
  /** A genesis validator's name (`--alice` … gives it its session keys), or another node's. */
  name: ValidatorName | string;
  basePath: string;
  /** The libp2p ed25519 secret (`--node-key`), hex without `0x`. */
  nodeKey: string;
  peerId: string;
  p2pPort: number;
  /** The running process, `undefined` while the validator is down. */
  node?: RunningNode;
}

/** A block by number and hash. */
export interface BlockRef {
  number: number;
  hash: string;
}

interface Header {
  number: string;
  stateRoot: string;
}

/** The libp2p peer id of an ed25519 node key: the identity multihash of its protobuf public key. */
export function peerIdOf(nodeKey: string): string {
  const { publicKey } = ed25519PairFromSeed(hexToU8a(`0x${nodeKey}`));
  // multihash identity (0x00), length 36; protobuf PublicKey { Type: Ed25519 (1), Data: 32 bytes }
  return base58Encode(u8aConcat(new Uint8Array([0x00, 36, 0x08, 0x01, 0x12, 32]), publicKey));
}

/**
 * Writes the `local` chain spec, raw, to `dir`: nodes then skip building genesis from the preset.
 * With `sessionPeriod`, its genesis sets the runtime's `StoredSessionPeriod` (a `u32` under
 * `twox_128(":StoredSessionPeriod:")`): sessions of that many blocks instead of an hour's.
 */
export async function writeRawLocalSpec(dir: string, options: { sessionPeriod?: number } = {}): Promise<string> {
  const { stdout } = await promisify(execFile)(nodeBinary(), ['build-spec', '--chain', 'local', '--raw'], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const spec = JSON.parse(stdout) as { genesis: { raw: { top: Record<string, string> } } };
  if (options.sessionPeriod !== undefined) {
    const value = new Uint8Array(4);
    new DataView(value.buffer).setUint32(0, options.sessionPeriod, true); // SCALE: little-endian
    spec.genesis.raw.top[xxhashAsHex(':StoredSessionPeriod:', 128)] = u8aToHex(value);
  }
  const path = join(dir, 'local-raw.json');
  writeFileSync(path, JSON.stringify(spec));
  return path;
}

/** A node named `name`, the `index`th of the network: its node key, p2p port, base path under `dir`. */
export async function planNode(dir: string, name: string, index: number): Promise<Validator> {
  await cryptoWaitReady();
  const nodeKey = (index + 1).toString(16).padStart(64, '0');
  return { name, basePath: join(dir, name), nodeKey, peerId: peerIdOf(nodeKey), p2pPort: await freePort() };
}

/** The four validators of `local`, with fresh node keys and p2p ports, base paths under `dir`. */
export async function planValidators(dir: string): Promise<Validator[]> {
  const validators: Validator[] = [];
  for (const [i, name] of VALIDATOR_NAMES.entries()) validators.push(await planNode(dir, name, i));
  return validators;
}

function multiaddr(v: Validator): string {
  return `/ip4/127.0.0.1/tcp/${v.p2pPort}/p2p/${v.peerId}`;
}

/**
 * Starts `v` as a validator on its base path, node key and p2p port, every other node of `all` as
 * a boot node. A genesis validator gets its well-known session keys (`--alice` …); any other
 * node starts with an empty keystore (its operator rotates keys).
 */
export async function startValidator(chainSpec: string, v: Validator, all: Validator[]): Promise<RunningNode> {
  const bootnodes = all.filter((o) => o !== v).map(multiaddr);
  const keys = (VALIDATOR_NAMES as readonly string[]).includes(v.name) ? `--${v.name}` : '--validator';
  v.node = await startNode({
    chain: chainSpec,
    basePath: v.basePath,
    p2pPort: v.p2pPort,
    args: [keys, '--node-key', v.nodeKey, '--bootnodes', ...bootnodes],
  });
  return v.node;
}

/** Kills `v` with SIGKILL (no shutdown, nothing flushed) and waits for the process to end. */
export async function hardKill(v: Validator): Promise<void> {
  const node = running(v);
  node.process.kill('SIGKILL');
  await node.stop();
  v.node = undefined;
}

/** The running node of `v`; throws if it is down. */
export function running(v: Validator): RunningNode {
  if (!v.node) throw new Error(`${v.name} is not running`);
  return v.node;
}

/** Calls a JSON-RPC method on the node; throws with the node's error and method name. */
export async function rpc<T>(node: RunningNode, method: string, params: unknown[] = []): Promise<T> {
  return await jsonRpcResult<T>(`http://127.0.0.1:${node.rpcPort}`, method, params);
}

export async function header(node: RunningNode, hash?: string): Promise<Header> {
  const h = await rpc<Header | null>(node, 'chain_getHeader', hash ? [hash] : []);
  if (!h) throw new Error(`no header ${hash ?? 'best'}`);
  return h;
}

/** The node's best block. */
export async function best(node: RunningNode): Promise<BlockRef> {
  const h = await rpc<string>(node, 'chain_getBlockHash', []);
  return { number: Number((await header(node, h)).number), hash: h };
}

/** The node's finalised head. */
export async function finalized(node: RunningNode): Promise<BlockRef> {
  const h = await rpc<string>(node, 'chain_getFinalizedHead');
  return { number: Number((await header(node, h)).number), hash: h };
}

/** The hash of the block at `n` on the node's best chain, `null` if it has none. */
export async function hashAt(node: RunningNode, n: number): Promise<string | null> {
  return await rpc<string | null>(node, 'chain_getBlockHash', [n]);
}

/**
 * The node's whole state at `hash`: every key and value, as one digest plus the number of keys.
 * Two nodes with the same digest at the same block hold the same state, key for key.
 */
export async function stateDigest(node: RunningNode, hash: string): Promise<{ keys: number; digest: string }> {
  const keys: string[] = [];
  for (;;) {
    const page = await rpc<string[]>(node, 'state_getKeysPaged', ['0x', 1000, keys.at(-1) ?? null, hash]);
    keys.push(...page);
    if (page.length < 1000) break;
  }
  const [set] = await rpc<{ changes: [string, string | null][] }[]>(node, 'state_queryStorageAt', [keys, hash]);
  const pairs = (set?.changes ?? []).map(([k, v]) => `${k}=${v ?? 'none'}`).sort();
  if (pairs.length !== keys.length) throw new Error(`state at ${hash}: ${keys.length} keys, ${pairs.length} values`);
  return { keys: keys.length, digest: blake2AsHex(new TextEncoder().encode(pairs.join('\n'))) };
}

/** A short description of every running validator's best and finalised heads, for messages. */
export async function heads(validators: Validator[]): Promise<string> {
  const lines = await Promise.all(
    validators.map(async (v) => {
      if (!v.node) return `${v.name}: down`;
      try {
        const [b, f] = [await best(v.node), await finalized(v.node)];
        return `${v.name}: best #${b.number}, finalised #${f.number} ${f.hash.slice(0, 10)}`;
      } catch (e) {
        return `${v.name}: ${(e as Error).message}`;
      }
    }),
  );
  return lines.join('; ');
}

/**
 * Passes `call` through the council (Alice, Bob, Charlie; two thirds is two): Alice proposes,
 * Alice and Bob vote aye, Alice closes. Resolves with the closing outcome.
 */
export async function councilPasses(api: ApiPromise, call: SubmittableExtrinsic<'promise'>): Promise<Outcome> {
  const [alice, bob] = [dev('Alice'), dev('Bob')];
  const proposed = await submitOk(api, api.tx.council.propose(2, call, call.encodedLength), alice);
  const [, index, hash] = eventOf(proposed, 'council.Proposed') as [string, number, string];
  await Promise.all([alice, bob].map((m) => submitOk(api, api.tx.council.vote(hash, index, true), m)));
  const bound = { refTime: 10_000_000_000n, proofSize: 1_000_000n };
  const closed = await submitOk(api, api.tx.council.close(hash, index, bound, call.encodedLength), alice);
  const [, executed] = eventOf(closed, 'council.Executed') as [string, { ok?: unknown; err?: unknown }];
  if (!executed || 'err' in executed) {
    const name = `${call.method.section}.${call.method.method}`;
    throw new Error(`the council's ${name} failed: ${JSON.stringify(executed)}`);
  }
  return closed;
}

// What the load harness needs around a node: a release `telemed-node --dev` whose proposer log
// it reads (each block's build time and why it ended), pre-signed transactions submitted in
// bulk, and each block's inclusion, weight and timestamp.

import type { ApiPromise } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { KeyringPair } from '@polkadot/keyring/types';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningNode } from '../lib/node.ts';

/** What the proposer printed for one block it built (sc-basic-authorship, at `info`). */
export interface Proposal {
  /** Block number. */
  number: number;
  /** Real time to build it, in milliseconds. */
  ms: number;
  /** Why building stopped: `HitBlockWeightLimit`, `HitBlockSizeLimit`, `HitDeadline`, `NoMoreTransactions`… */
  end: string;
  /** Extrinsics in it (inherents included). */
  extrinsics: number;
}

const PREPARED = /Prepared block for proposing at (\d+) \((\d+) ms\).*end: (\w+); extrinsics_count: (\d+)/;

/** Collects the proposer's lines of `node` by block number (the latest proposal of a number wins). */
export function watchProposals(node: RunningNode): Map<number, Proposal> {
  const proposals = new Map<number, Proposal>();
  let partial = '';
  const onData = (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const m = PREPARED.exec(line);
      if (m) proposals.set(Number(m[1]), { number: Number(m[1]), ms: Number(m[2]), end: m[3]!, extrinsics: Number(m[4]) });
    }
  };
  node.process.stdout?.on('data', onData);
  node.process.stderr?.on('data', onData);
  return proposals;
}

/**
 * The node's memory, in KiB (Linux `/proc`): its resident set, and of it the anonymous pages
 * (the heap: caches, the pool, whatever leaks) and the file-backed ones (mapped files: the
 * database's memory-mapped tables count here, and the kernel may drop them at will).
 */
export interface Memory {
  rssKiB: number;
  anonKiB: number;
  fileKiB: number;
}

/** The node's {@link Memory} now. */
export function memoryOf(node: RunningNode): Memory {
  const status = readFileSync(`/proc/${node.process.pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rssKiB: field('VmRSS'), anonKiB: field('RssAnon'), fileKiB: field('RssFile') };
}

/** What the node's transaction pool counted so far (its Prometheus counters). */
export interface PoolCounters {
  /** Transactions the pool dropped (a queue over its limit: the future queue holds a tenth of `--pool-limit`). */
  dropped: number;
  /** Transactions it found invalid. */
  invalid: number;
  /** Times a transaction waited for an earlier nonce. */
  future: number;
}

/** The node's {@link PoolCounters} now, from its Prometheus endpoint. */
export async function poolCountersOf(node: RunningNode): Promise<PoolCounters> {
  const text = await (await fetch(`http://127.0.0.1:${node.prometheusPort}/metrics`)).text();
  const counter = (event: string) =>
    Number(new RegExp(`^substrate_sub_txpool_timing_event_${event}_count(?:\\{[^}]*\\})? (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  return { dropped: counter('dropped'), invalid: counter('invalid'), future: counter('future') };
}

/** The bytes of the files under `dir` (the node's database), 0 if it is gone. */
export function dirBytes(dir: string): number {
  let total = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += dirBytes(path);
    else if (entry.isFile()) total += statSync(path, { throwIfNoEntry: false })?.size ?? 0;
  }
  return total;
}

/** A transaction to send: who signs it and the call. */
export interface Planned {
  signer: KeyringPair;
  tx: SubmittableExtrinsic<'promise'>;
}

/**
 * Signs every planned transaction with consecutive nonces per signer (from the chain's next
 * index), immortal, so that they can be submitted all at once; returns them with their hashes.
 */
export async function signAll(api: ApiPromise, planned: Planned[]): Promise<{ hex: string; hash: string }[]> {
  const next = new Map<string, number>();
  for (const address of new Set(planned.map((p) => p.signer.address))) {
    next.set(address, (await api.rpc.system.accountNextIndex(address)).toNumber());
  }
  const signed: { hex: string; hash: string }[] = [];
  for (const { signer, tx } of planned) {
    const nonce = next.get(signer.address)!;
    next.set(signer.address, nonce + 1);
    await tx.signAsync(signer, { nonce, era: 0 });
    signed.push({ hex: tx.toHex(), hash: tx.hash.toHex() });
    // Signing with a local key never waits for I/O: let the socket answer the node's pings (a
    // 5-minute stream signs ~120,000 transfers, minutes of work; the node closes a connection
    // that stays silent that long).
    if (signed.length % 256 === 0) await yieldToIo();
  }
  return signed;
}

/** Lets pending I/O (the node's pings, subscriptions) run before going on. */
export function yieldToIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Submits signed transactions, `parallel` requests at a time; a refusal by the pool throws. */
export async function submitAll(api: ApiPromise, signed: { hex: string }[], parallel = 64): Promise<void> {
  let index = 0;
  const worker = async () => {
    while (index < signed.length) {
      const { hex } = signed[index++]!;
      await api.rpc.author.submitExtrinsic(hex);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, signed.length) }, worker));
}

/** One block as the harness sees it. */
export interface BlockSeen {
  number: number;
  hash: string;
  /** `timestamp.set` of the block, in milliseconds. */
  timestamp: number;
  /** Hashes of its extrinsics. */
  extrinsics: string[];
  /** The normal class's `ref_time` used, as a share of the normal class's maximum. */
  normalWeightShare: number;
}

/** The maximum `ref_time` of normal extrinsics in a block. */
export function maxNormalRefTime(api: ApiPromise): bigint {
  const weights = api.consts.system.blockWeights;
  const normal = weights.perClass.normal.maxTotal;
  return normal.isSome ? normal.unwrap().refTime.toBigInt() : weights.maxBlock.refTime.toBigInt();
}

/** Reads block `hash`. */
export async function readBlock(api: ApiPromise, hash: string, maxNormal: bigint): Promise<BlockSeen> {
  const [signed, at] = await Promise.all([api.rpc.chain.getBlock(hash), api.at(hash)]);
  const block = signed.block;
  const stamp = block.extrinsics.find((x) => x.method.section === 'timestamp' && x.method.method === 'set');
  const weight = await at.query.system.blockWeight();
  const normal = weight.normal.refTime.toBigInt();
  return {
    number: block.header.number.toNumber(),
    hash,
    timestamp: stamp ? Number(stamp.method.args[0]!.toString()) : 0,
    extrinsics: block.extrinsics.map((x) => x.hash.toHex()),
    normalWeightShare: Number((normal * 10_000n) / maxNormal) / 10_000,
  };
}

/**
 * Follows the best chain from now on: every new block is read once (in order, gaps filled),
 * with the finality lag (best − finalised) sampled at each.
 */
export class BlockFollower {
  readonly blocks: BlockSeen[] = [];
  readonly finalityLag: number[] = [];
  private last = 0;
  private stop: (() => void) | undefined;
  private chainQueue: Promise<void> = Promise.resolve();

  constructor(
    private readonly api: ApiPromise,
    private readonly maxNormal: bigint,
  ) {}

  async start(): Promise<void> {
    this.last = (await this.api.rpc.chain.getHeader()).number.toNumber();
    this.stop = await this.api.rpc.chain.subscribeNewHeads((header) => {
      const number = header.number.toNumber();
      this.chainQueue = this.chainQueue.then(() => this.catchUp(number)).catch(() => {});
    });
  }

  private async catchUp(to: number): Promise<void> {
    for (let n = this.last + 1; n <= to; n++) {
      const hash = (await this.api.rpc.chain.getBlockHash(n)).toHex();
      this.blocks.push(await readBlock(this.api, hash, this.maxNormal));
      const finalized = await this.api.rpc.chain.getHeader(await this.api.rpc.chain.getFinalizedHead());
      this.finalityLag.push(n - finalized.number.toNumber());
      this.last = n;
    }
  }

  /** The number of the latest block read. */
  get height(): number {
    return this.last;
  }

  /** Resolves once block `number` has been read. */
  async reach(number: number, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.last < number) {
      if (Date.now() > deadline) throw new Error(`block ${number} not seen within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Waits until every hash in `hashes` is in a block read, or `idleBlocks` blocks pass without one. */
  async waitIncluded(hashes: Set<string>, idleBlocks = 3, timeoutMs = 300_000): Promise<Map<string, number>> {
    const included = new Map<string, number>();
    const deadline = Date.now() + timeoutMs;
    let seen = 0;
    let lastProgress = this.last;
    for (;;) {
      for (; seen < this.blocks.length; seen++) {
        const block = this.blocks[seen]!;
        for (const x of block.extrinsics) {
          if (hashes.has(x) && !included.has(x)) {
            included.set(x, block.number);
            lastProgress = block.number;
          }
        }
      }
      if (included.size === hashes.size) return included;
      if (this.last - lastProgress >= idleBlocks || Date.now() > deadline) return included;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  close(): void {
    this.stop?.();
  }
}

/** The `q` quantile (0..1) of `values`, nearest rank; 0 for none. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

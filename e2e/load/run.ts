// The load harness (issue 15; `scripts/load.sh`, README "Load"): a release `telemed-node --dev`
// of its own, `--senders` patients and as many practitioners, and for each workload — transfer,
// remark, add_record, grant_consent, access_record, book — a burst of `--per-sender`
// pre-signed transactions per sender, submitted at once. For each burst: the most included in
// one block and the ratio to transfers, why each block ended and how long it took to build (the
// proposer's log), the block's normal-class weight used, TPS by block timestamps. Then a
// sustained stream of transfers at `--stream-share` of the measured capacity for
// `--stream-seconds`: inclusion within 2 blocks of submission, finality lag p50/p95, and the
// node's RSS before and after. Prints a table and writes JSON (`--json`).
//
// `--smoke` (CI): a few senders, small bursts, a short stream; it checks that every workload's
// transactions were all included and asserts nothing about speed.

import { ApiPromise, WsProvider } from '@polkadot/api';
import '@polkadot/api-augment';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { removeDir, startNode, stopAllNodes, tempDir } from '../lib/node.ts';
import {
  BlockFollower, dirBytes, maxNormalRefTime, memoryOf, poolCountersOf, quantile, signAll, submitAll, watchProposals, yieldToIo, type BlockSeen, type Memory, type PoolCounters, type Proposal,
} from './chain.ts';
import { burst, prepare, setUp, WORKLOADS, type Workload } from './workloads.ts';

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    senders: { type: 'string' },
    'per-sender': { type: 'string' },
    'stream-seconds': { type: 'string' },
    'stream-share': { type: 'string', default: '0.8' },
    workloads: { type: 'string' },
    json: { type: 'string' },
    // The stream's senders each submit many transfers ahead of inclusion: a pool whose future
    // queue (a tenth of the limit) overflows strands every later transfer of a sender whose
    // earlier one it dropped (README, "Load"; 73,492 dropped at 20,000 in a slow hour).
    'pool-limit': { type: 'string', default: '200000' },
    // Keep the node's database there (it must not exist yet): the state the run leaves is a
    // chain snapshot for `scripts/benchmark.sh storage DIR` (README, "Benchmarks and weights").
    'keep-db': { type: 'string' },
    // More flags for the node, e.g. `--node-arg=--trie-cache-size=0` (repeatable).
    'node-arg': { type: 'string', multiple: true },
  },
});
const smoke = values.smoke === true;
const senders = Number(values.senders ?? (smoke ? 8 : 200));
const perSender = Number(values['per-sender'] ?? (smoke ? 3 : 20));
const streamSeconds = Number(values['stream-seconds'] ?? (smoke ? 12 : 300));
const streamShare = Number(values['stream-share']);
const workloads = (values.workloads?.split(',') ?? [...WORKLOADS]) as Workload[];
for (const w of workloads) if (!WORKLOADS.includes(w)) throw new Error(`unknown workload ${w} (one of ${WORKLOADS.join(', ')})`);
for (const [name, v] of [['senders', senders], ['per-sender', perSender], ['stream-seconds', streamSeconds]] as const) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
}

/** What one burst measured. */
interface BurstResult {
  workload: Workload;
  submitted: number;
  included: number;
  /** The most of the burst's transactions in one block. */
  perBlock: number;
  /** `perBlock` over the transfers' `perBlock`. */
  ratioToTransfer: number | null;
  /** The blocks that included the burst: number, count, why building ended, ms to build, normal weight used. */
  blocks: { number: number; count: number; end: string; ms: number; weightShare: number }[];
  /** Included per second, by the blocks' timestamps (from the block before the first). */
  tps: number;
  /** Real time to build the fullest block, as a share of the time the weights claim for it. */
  buildShareOfWeight: number | null;
  /** How long submitting the burst took (it starts just after a block, a slot ahead). */
  submitMs: number;
  /**
   * Whether the whole burst was in the pool before the next block was authored: if not, that
   * block saw part of it only, and `perBlock` may understate what a block holds.
   */
  wholeBurstInPool: boolean;
}

interface StreamResult {
  ratePerSecond: number;
  submitted: number;
  included: number;
  withinTwoBlocks: number;
  finalityLagP50: number;
  finalityLagP95: number;
  rssBeforeKiB: number;
  rssAfterKiB: number;
  /** RSS at the stream's start, every 30 s of it, and at its end. */
  rssSamplesKiB: number[];
  /** Of each sample: the anonymous pages (heap), the file-backed ones (mapped database tables). */
  anonSamplesKiB: number[];
  fileSamplesKiB: number[];
  /** The database's size on disk at each sample, in KiB. */
  dbSamplesKiB: number[];
  /**
   * What the pool counted during the stream. A dropped transaction leaves its sender's later
   * pre-signed transfers waiting on its nonce: they are never included.
   */
  pool: PoolCounters;
}

const log = (line: string) => process.stderr.write(`[load] ${line}\n`);

function describeBurst(
  workload: Workload,
  submitted: number,
  included: Map<string, number>,
  blocks: BlockSeen[],
  proposals: Map<number, Proposal>,
  blockBudgetMs: number,
  transferPerBlock: number | undefined,
): Omit<BurstResult, 'submitMs' | 'wholeBurstInPool'> {
  const counts = new Map<number, number>();
  for (const number of included.values()) counts.set(number, (counts.get(number) ?? 0) + 1);
  const numbers = [...counts.keys()].sort((a, b) => a - b);
  const byNumber = new Map(blocks.map((b) => [b.number, b]));
  const rows = numbers.map((number) => {
    const p = proposals.get(number);
    return {
      number, count: counts.get(number)!, end: p?.end ?? 'unknown', ms: p?.ms ?? NaN,
      weightShare: byNumber.get(number)?.normalWeightShare ?? NaN,
    };
  });
  const perBlock = Math.max(0, ...rows.map((r) => r.count));
  const first = numbers[0];
  const last = numbers[numbers.length - 1];
  const before = first === undefined ? undefined : byNumber.get(first - 1);
  const end = last === undefined ? undefined : byNumber.get(last);
  const seconds = before && end ? (end.timestamp - before.timestamp) / 1000 : 0;
  const fullest = rows.find((r) => r.count === perBlock);
  return {
    workload,
    submitted,
    included: included.size,
    perBlock,
    ratioToTransfer: transferPerBlock ? perBlock / transferPerBlock : null,
    blocks: rows,
    tps: seconds > 0 ? included.size / seconds : 0,
    buildShareOfWeight: fullest && Number.isFinite(fullest.ms) && Number.isFinite(fullest.weightShare) && fullest.weightShare > 0
      ? fullest.ms / (blockBudgetMs * fullest.weightShare)
      : null,
  };
}

async function main(): Promise<void> {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const keepDb = values['keep-db'];
  if (keepDb !== undefined && existsSync(keepDb)) throw new Error(`--keep-db ${keepDb} exists already`);
  const basePath = keepDb ?? tempDir('telemed-load-');
  const node = await startNode({
    basePath,
    // Room in the pool for a whole burst (the default ready limit is 8,192 transactions).
    args: [
      '--pool-limit', values['pool-limit']!, '--pool-kbytes', String(Number(values['pool-limit']) * 4), '--rpc-max-connections', '1000',
      ...(values['node-arg'] ?? []),
    ],
  });
  const proposals = watchProposals(node);
  const api = await ApiPromise.create({ provider: new WsProvider(node.wsUrl), noInitWarn: true, throwOnConnect: true });
  const maxNormal = maxNormalRefTime(api);
  // The time the weights claim a full normal class takes: ref_time is picoseconds.
  const blockBudgetMs = Number(maxNormal / 1_000_000_000n);
  const follower = new BlockFollower(api, maxNormal);
  await follower.start();
  const results: BurstResult[] = [];
  let stream: StreamResult | undefined;
  const started = Date.now();
  try {
    log(`node ${node.wsUrl}; ${senders} senders × ${perSender} per burst; normal class ${blockBudgetMs} ms of weight`);
    const actors = await setUp(api, keyring, follower, senders);
    log(`set up in ${Math.round((Date.now() - started) / 1000)} s`);
    let transferPerBlock: number | undefined;
    for (const workload of workloads) {
      await prepare(api, follower, actors, workload);
      const now = (await api.query.timestamp.now()).toNumber();
      const signed = await signAll(api, burst(api, actors, workload, perSender, now));
      // Submitted just after a block is imported, so that the whole burst can be in the pool
      // before the next one is authored (a slot later): a block authored while the burst is
      // still arriving sees part of it only.
      await follower.reach(follower.height + 1);
      const from = follower.height;
      const headBefore = (await api.rpc.chain.getHeader()).number.toNumber();
      const submitStart = Date.now();
      await submitAll(api, signed);
      const submitMs = Date.now() - submitStart;
      const wholeBurstInPool = (await api.rpc.chain.getHeader()).number.toNumber() === headBefore;
      const included = await follower.waitIncluded(new Set(signed.map((s) => s.hash)));
      const result = {
        ...describeBurst(workload, signed.length, included, follower.blocks.filter((b) => b.number >= from), proposals,
          blockBudgetMs, transferPerBlock),
        submitMs,
        wholeBurstInPool,
      };
      if (workload === 'transfer') transferPerBlock = result.perBlock;
      results.push(result);
      log(`${workload}: ${result.included}/${result.submitted} included, ${result.perBlock} in the fullest block (${result.blocks.map((b) => `#${b.number} ${b.count} ${b.end} ${b.ms} ms`).join(', ')}); submitted in ${submitMs} ms, ${wholeBurstInPool ? 'all in the pool before the next block' : 'NOT all in the pool before the next block'}`);
    }

    // The sustained stream: transfers at a share of the capacity the burst measured.
    const capacity = transferPerBlock ?? perSender * senders;
    const rate = Math.max(1, (capacity * streamShare) / 6);
    const total = Math.max(1, Math.round(rate * streamSeconds));
    const planned = [];
    for (let j = 0; j < total; j++) {
      planned.push({
        signer: actors.patients[j % senders]!,
        tx: api.tx.balances.transferKeepAlive(actors.practitioners[(j * 7) % senders]!.address, UNITS_MILLI),
      });
      if (j % 1024 === 1023) await yieldToIo();
    }
    log(`stream: signing ${total} transfers for ${streamSeconds} s at ${rate.toFixed(1)}/s`);
    const signed = await signAll(api, planned);
    // The node's memory every 30 s of the stream, and its database's size: a level that settles
    // is its caches filling; mapped database pages grow with the database and are the kernel's
    // to drop; a steady climb of the heap is neither.
    const samples: { memory: Memory; dbKiB: number }[] = [];
    const sample = () => samples.push({ memory: memoryOf(node), dbKiB: Math.round(dirBytes(basePath) / 1024) });
    sample();
    let nextSample = Date.now() + 30_000;
    const lagFrom = follower.finalityLag.length;
    const poolBefore = await poolCountersOf(node);
    const submittedAt = new Map<string, number>();
    const t0 = Date.now();
    for (let j = 0; j < signed.length; j++) {
      const due = t0 + (j / rate) * 1000;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (Date.now() >= nextSample) {
        sample();
        nextSample += 30_000;
      }
      submittedAt.set(signed[j]!.hash, follower.height);
      // Not awaited one by one: the stream keeps its rate while the pool answers.
      void submitAll(api, [signed[j]!], 1).catch((e: unknown) => log(`stream submission refused: ${String(e)}`));
    }
    const included = await follower.waitIncluded(new Set(submittedAt.keys()));
    let withinTwo = 0;
    for (const [hash, at] of included) if (at - submittedAt.get(hash)! <= 2) withinTwo++;
    const lags = follower.finalityLag.slice(lagFrom);
    sample();
    const poolAfter = await poolCountersOf(node);
    stream = {
      ratePerSecond: rate,
      submitted: total,
      included: included.size,
      withinTwoBlocks: withinTwo / total,
      finalityLagP50: quantile(lags, 0.5),
      finalityLagP95: quantile(lags, 0.95),
      rssBeforeKiB: samples[0]!.memory.rssKiB,
      rssAfterKiB: samples[samples.length - 1]!.memory.rssKiB,
      rssSamplesKiB: samples.map((s) => s.memory.rssKiB),
      anonSamplesKiB: samples.map((s) => s.memory.anonKiB),
      fileSamplesKiB: samples.map((s) => s.memory.fileKiB),
      dbSamplesKiB: samples.map((s) => s.dbKiB),
      pool: {
        dropped: poolAfter.dropped - poolBefore.dropped,
        invalid: poolAfter.invalid - poolBefore.invalid,
        future: poolAfter.future - poolBefore.future,
      },
    };
    log(`stream: ${included.size}/${total} included, ${(stream.withinTwoBlocks * 100).toFixed(1)} % within 2 blocks`);
  } finally {
    follower.close();
    await api.disconnect();
    await node.stop();
    await stopAllNodes();
    if (keepDb === undefined) removeDir(basePath);
  }

  const report = {
    date: new Date().toISOString(),
    senders,
    perSender,
    blockBudgetMs,
    workloads: results,
    stream,
    seconds: Math.round((Date.now() - started) / 1000),
  };
  if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
  console.log(table(report.workloads, stream));

  // The smoke run asserts that everything got in, nothing about speed.
  const missing = results.filter((r) => r.included !== r.submitted);
  if (stream && stream.included !== stream.submitted) missing.push({ workload: 'transfer' } as BurstResult);
  if (missing.length > 0) {
    console.error(`not all included: ${missing.map((r) => r.workload).join(', ')}`);
    process.exitCode = 1;
  }
}

const UNITS_MILLI = 10n ** 9n;

function table(results: BurstResult[], stream: StreamResult | undefined): string {
  const f = (n: number | null, digits = 2) => (n === null || !Number.isFinite(n) ? '–' : n.toFixed(digits));
  const lines = [
    '| workload | submitted | included | most per block | × transfer | why the fullest block ended | build ms | weight used | build / weight | TPS | in pool before the block |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const fullest = r.blocks.find((b) => b.count === r.perBlock);
    lines.push(`| ${r.workload} | ${r.submitted} | ${r.included} | ${r.perBlock} | ${f(r.ratioToTransfer)} | ${fullest?.end ?? '–'} | ${fullest?.ms ?? '–'} | ${fullest ? `${f(fullest.weightShare * 100, 0)} %` : '–'} | ${r.buildShareOfWeight === null ? '–' : `${f(r.buildShareOfWeight * 100, 0)} %`} | ${f(r.tps, 0)} | ${r.wholeBurstInPool ? 'all' : 'part'} (${f(r.submitMs / 1000, 1)} s) |`);
  }
  if (stream) {
    lines.push('', `Stream: ${stream.submitted} transfers at ${f(stream.ratePerSecond, 1)}/s; ${stream.included} included, ${f(stream.withinTwoBlocks * 100, 1)} % within 2 blocks; finality lag p50 ${stream.finalityLagP50}, p95 ${stream.finalityLagP95} blocks; RSS ${Math.round(stream.rssBeforeKiB / 1024)} → ${Math.round(stream.rssAfterKiB / 1024)} MiB (${growth(stream.rssSamplesKiB)}; every 30 s: ${mib(stream.rssSamplesKiB)} MiB).`);
    lines.push(`Of it, anonymous (heap): ${mib(stream.anonSamplesKiB)} MiB (${growth(stream.anonSamplesKiB)}); file-backed (mapped database): ${mib(stream.fileSamplesKiB)} MiB (${growth(stream.fileSamplesKiB)}); the database on disk: ${mib(stream.dbSamplesKiB)} MiB.`);
    lines.push(`The pool during the stream: ${stream.pool.dropped} dropped, ${stream.pool.invalid} invalid, ${stream.pool.future} waited for an earlier nonce${stream.pool.dropped > 0 ? ' (a dropped transfer strands its sender\'s later ones: raise --pool-limit, whose tenth is the future queue)' : ''}.`);
  }
  return lines.join('\n');
}

/** Samples in KiB as MiB, comma-separated. */
function mib(samples: number[]): string {
  return samples.map((k) => Math.round(k / 1024)).join(', ');
}

/** The growth from the first sample to the last, in per cent. */
function growth(samples: number[]): string {
  const first = samples[0] ?? 0;
  const last = samples[samples.length - 1] ?? 0;
  return `${first > 0 ? (((last - first) / first) * 100).toFixed(1) : '–'} %`;
}

main().catch(async (e: unknown) => {
  console.error(e);
  await stopAllNodes();
  process.exit(1);
});

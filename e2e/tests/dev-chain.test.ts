// A dev chain end to end: blocks are produced and finalised, a transfer lands in a finalised
// block, and a restart on the same base path loses nothing.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import '@polkadot/api-augment';
import type { ApiPromise } from '@polkadot/api';
import { free } from '../lib/balances.ts';
import { dev, fresh, keyringReady } from '../lib/keyring.ts';
import {
  connect, removeDir, startNode, stopAllNodes, tempDir, waitFor, type RunningNode,
} from '../lib/node.ts';
import { submitOk } from '../lib/tx.ts';
import { UNITS } from '../lib/units.ts';

async function finalizedNumber(api: ApiPromise): Promise<number> {
  const hash = await api.rpc.chain.getFinalizedHead();
  return (await api.rpc.chain.getHeader(hash)).number.toNumber();
}

async function bestNumber(api: ApiPromise): Promise<number> {
  return (await api.rpc.chain.getHeader()).number.toNumber();
}

// This suite manages its node itself (not with `startDevChain`): it restarts it on the same
// base path.
describe('dev chain', () => {
  const basePath = tempDir();
  let node: RunningNode | undefined;
  let api: ApiPromise | undefined;

  before(async () => {
    await keyringReady();
    node = await startNode({ basePath });
    api = await connect(node);
  });

  after(async () => {
    await api?.disconnect();
    await stopAllNodes();
    removeDir(basePath);
  });

  test('advertises the Telemed chain, its token and the standard RPC set', async () => {
    assert.ok(api);
    assert.equal(api.runtimeVersion.specName.toString(), 'telemed');
    const props = await api.rpc.system.properties();
    assert.equal(props.tokenSymbol.unwrap()[0].toString(), 'MED');
    assert.equal(props.tokenDecimals.unwrap()[0].toNumber(), 12);

    const methods = (await api.rpc.rpc.methods()).methods.map((m) => m.toString());
    for (const m of [
      'system_health', 'system_accountNextIndex', 'chain_getBlock', 'chain_getFinalizedHead',
      'state_getMetadata', 'state_call', 'author_submitExtrinsic', 'author_rotateKeys',
      'grandpa_roundState', 'grandpa_proveFinality', 'payment_queryInfo', 'rpc_methods',
      'telemed_licenceStatus', 'telemed_checkAccess', 'telemed_disclosures', 'telemed_recordHistory',
    ]) {
      assert.ok(methods.includes(m), `RPC method ${m} is missing`);
    }
  });

  test('serves Prometheus metrics', async () => {
    assert.ok(node);
    const text = await (await fetch(`http://127.0.0.1:${node.prometheusPort}/metrics`)).text();
    assert.match(text, /substrate_block_height\{status="best"/);
  });

  test('produces and finalises blocks', async () => {
    assert.ok(api);
    const a = api;
    await waitFor(async () => (await bestNumber(a)) >= 2 && (await finalizedNumber(a)) >= 1,
      120_000, 'a finalised block');
  });

  let transferBlock = '';
  let recipient = '';
  let finalizedBeforeRestart = { number: 0, hash: '' };

  test('a balance transfer lands in a finalised block', async () => {
    assert.ok(api);
    const alice = dev('Alice');
    recipient = fresh().address;
    const amount = 5n * UNITS;

    const { blockHash, events } = await submitOk(
      api, api.tx.balances.transferKeepAlive(recipient, amount), alice, { finalized: true });
    assert.ok(events.includes('balances.Transfer'), events.join(', '));
    assert.ok(events.includes('system.ExtrinsicSuccess'), events.join(', '));
    assert.equal(await free(api, recipient, blockHash), amount);
    transferBlock = blockHash;
  });

  test('a restart on the same base path resumes from where the chain was', async () => {
    assert.ok(api && node);
    const hash = (await api.rpc.chain.getFinalizedHead()).toHex();
    finalizedBeforeRestart = { number: await finalizedNumber(api), hash };
    const bestBefore = await bestNumber(api);
    await api.disconnect();
    api = undefined;
    assert.equal(await node.stop(), 0, `node did not exit cleanly:\n${node.log()}`);

    node = await startNode({ basePath });
    api = await connect(node);
    const a = api;

    // The blocks it had are still there, unchanged, and the chain grows on top of them.
    assert.ok((await bestNumber(a)) >= finalizedBeforeRestart.number);
    const again = await a.rpc.chain.getBlockHash(finalizedBeforeRestart.number);
    assert.equal(again.toHex(), finalizedBeforeRestart.hash);
    assert.equal(await free(a, recipient, transferBlock), 5n * UNITS);
    assert.equal(await free(a, recipient), 5n * UNITS);
    await waitFor(async () => (await finalizedNumber(a)) > finalizedBeforeRestart.number &&
      (await bestNumber(a)) > bestBefore, 120_000, 'new finalised blocks after the restart');
  });

  test('telemed_* methods are rate-limited like the standard ones (--rpc-rate-limit)', async () => {
    // A node of its own allowing 2 calls a minute per connection: on one connection, two
    // standard calls answer at once and a third call, a telemed_* one, waits its turn.
    const limitedPath = tempDir();
    const limited = await startNode({ basePath: limitedPath, args: ['--rpc-rate-limit', '2'] });
    const socket = new WebSocket(limited.wsUrl);
    try {
      await new Promise((resolve, reject) => {
        socket.onopen = resolve;
        socket.onerror = reject;
      });
      const answered = new Set<number>();
      socket.onmessage = (message) => answered.add((JSON.parse(String(message.data)) as { id: number }).id);
      const request = (id: number, method: string, params: unknown[]) =>
        socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
      request(1, 'system_health', []);
      request(2, 'system_health', []);
      request(3, 'telemed_licenceStatus', [dev('Bob').address]);
      await waitFor(() => answered.has(1) && answered.has(2), 30_000, 'the first two calls');
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      assert.deepEqual([...answered].sort(), [1, 2], 'the third call waits for the limit');
    } finally {
      socket.close();
      await limited.stop();
      removeDir(limitedPath);
    }
  });
});

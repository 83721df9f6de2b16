// The app's signer (src/transactions.ts): the fee is estimated and shown before anything is
// signed; nothing is signed without approval; a declined transaction is never signed; the
// API's status reports move it along (pool → in block → finalised) or to failed.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ApiPromise } from '@polkadot/api';
import type { SignerPayloadJSON } from '@polkadot/types/types';
import { Transactions, type PayloadSigner } from '../../src/transactions.ts';

const PAYLOAD = { address: '5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y', method: '0x0a00' } as unknown as SignerPayloadJSON;

/** An API that knows one call and estimates its fee (or fails to). */
function fakeApi(fee: bigint | Error): ApiPromise {
  return {
    registry: { createType: () => ({ section: 'records', method: 'registerPatient' }) },
    tx: () => ({
      paymentInfo: async () => {
        if (fee instanceof Error) throw fee;
        return { partialFee: { toBigInt: () => fee } };
      },
    }),
  } as unknown as ApiPromise;
}

function recordingSigner(): PayloadSigner & { signed: number } {
  const s = {
    signed: 0,
    async signPayload() {
      s.signed += 1;
      return { signature: '0x01' as const };
    },
    async signRaw() {
      return { signature: '0x02' as const };
    },
  };
  return s;
}

async function pendingOf(txs: Transactions) {
  for (let i = 0; i < 100 && !txs.pending.value; i++) await new Promise((r) => setTimeout(r, 1));
  assert.ok(txs.pending.value, 'an approval is asked');
  return txs.pending.value;
}

/** A status report as @polkadot/api gives it to a signer's `update`. */
function status(kind: 'Ready' | 'InBlock' | 'Invalid', hash = '0xab') {
  return {
    status: {
      type: kind,
      isReady: kind === 'Ready', isBroadcast: false, isFuture: false, isInvalid: kind === 'Invalid', isDropped: false,
      isUsurped: false, isInBlock: kind === 'InBlock', isFinalized: false,
      asInBlock: { toHex: () => hash },
    },
    dispatchError: undefined,
  } as never;
}

describe('transactions: the fee before signing, then progress', () => {
  test('the fee is shown in the approval, and only an approved payload is signed', async () => {
    const txs = new Transactions();
    const account = recordingSigner();
    const signer = txs.signer(fakeApi(7_718_000_000n), () => account);
    const signing = signer.signPayload!(PAYLOAD);
    const pending = await pendingOf(txs);
    assert.equal(pending.item.call, 'records.registerPatient');
    assert.equal(pending.item.fee, 7_718_000_000n);
    assert.equal(pending.item.state, 'awaiting-approval');
    assert.equal(account.signed, 0, 'nothing is signed before approval');
    pending.approve();
    const result = await signing;
    assert.equal(account.signed, 1);
    assert.equal(result.signature, '0x01');
    assert.equal(txs.get(result.id)?.state, 'signing');
    assert.equal(txs.pending.value, null);

    signer.update!(result.id, status('Ready'));
    await new Promise((r) => setTimeout(r, 1));
    assert.equal(txs.get(result.id)?.state, 'submitted');
    signer.update!(result.id, status('InBlock'));
    await new Promise((r) => setTimeout(r, 1));
    assert.equal(txs.get(result.id)?.state, 'in-block');
    assert.equal(txs.get(result.id)?.blockHash, '0xab');
  });

  test('a declined transaction is never signed and says so', async () => {
    const txs = new Transactions();
    const account = recordingSigner();
    const signing = txs.signer(fakeApi(1n), () => account).signPayload!(PAYLOAD);
    (await pendingOf(txs)).decline();
    await assert.rejects(signing, /Cancelled by the user/);
    assert.equal(account.signed, 0);
    assert.equal(txs.items.value[0]?.state, 'declined');
  });

  test('a fee that cannot be estimated is said so, and the user still decides', async () => {
    const txs = new Transactions();
    const signing = txs.signer(fakeApi(new Error('node busy')), () => recordingSigner()).signPayload!(PAYLOAD);
    const pending = await pendingOf(txs);
    assert.equal(pending.item.fee, undefined);
    assert.equal(pending.item.feeError, 'node busy');
    pending.decline();
    await assert.rejects(signing);
  });

  test('an account the app cannot sign for fails without asking', async () => {
    const txs = new Transactions();
    await assert.rejects(txs.signer(fakeApi(1n), () => undefined).signPayload!(PAYLOAD), /no signer/);
    assert.equal(txs.pending.value, null);
    assert.equal(txs.items.value[0]?.state, 'failed');
  });

  test('a transaction the pool refuses is failed with the reason', async () => {
    const txs = new Transactions();
    const signing = txs.signer(fakeApi(1n), () => recordingSigner()).signPayload!(PAYLOAD);
    (await pendingOf(txs)).approve();
    const { id } = await signing;
    await txs.report(id, status('Invalid'));
    assert.equal(txs.get(id)?.state, 'failed');
    assert.match(txs.get(id)?.error ?? '', /pool refused it \(Invalid\)/);
  });
});

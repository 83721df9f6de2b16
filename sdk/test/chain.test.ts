// Chain access without a node: typed errors, the metadata check, dispatch-error decoding and the
// conversion of the runtime's JSON into the SDK's types (fakes stand in for @polkadot/api).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventEmitter } from 'node:events';
import type { ApiPromise } from '@polkadot/api';

import {
  ChainError,
  decodeDispatchError,
  DispatchError,
  MetadataMismatchError,
  metadataProblems,
  OutcomeUnknownError,
  REQUIRED_CALLS,
  REQUIRED_QUERIES,
  REQUIRED_RUNTIME_APIS,
  send,
  type Signer,
  TelemedChain,
  type Transaction,
  TransactionError,
} from '../src/index.ts';
import { envelopeFromJson, recordEntryFromJson } from '../src/chain/types.ts';

/** A fake API with exactly the SDK's required items (calls with the given argument names). */
function fakeApi(rename?: { pallet: string; call: string; args: string[] }, drop?: string): ApiPromise {
  const tx: Record<string, Record<string, unknown>> = {};
  for (const [pallet, calls] of Object.entries(REQUIRED_CALLS)) {
    tx[pallet] = {};
    for (const [call, args] of Object.entries(calls)) {
      if (drop === `${pallet}.${call}`) continue;
      const names = rename && rename.pallet === pallet && rename.call === call ? rename.args : args;
      tx[pallet]![call] = { meta: { args: names.map((n) => ({ name: { toString: () => n } })) } };
    }
  }
  const query: Record<string, Record<string, unknown>> = {};
  for (const [pallet, items] of Object.entries(REQUIRED_QUERIES)) {
    query[pallet] = Object.fromEntries(items.map((i) => [i, () => undefined]));
  }
  const call: Record<string, Record<string, unknown>> = {};
  for (const [section, methods] of Object.entries(REQUIRED_RUNTIME_APIS)) {
    call[section] = Object.fromEntries(methods.map((m) => [m, () => undefined]));
  }
  return { tx, query, call } as unknown as ApiPromise;
}

test('a runtime with everything the SDK uses has no metadata problems', () => {
  assert.deepEqual(metadataProblems(fakeApi()), []);
});

test('a missing call, storage item or runtime API, or renamed arguments, are each reported', () => {
  const empty = { tx: {}, query: {}, call: {} } as unknown as ApiPromise;
  const expected = Object.values(REQUIRED_CALLS).reduce((n, calls) => n + Object.keys(calls).length, 0)
    + Object.values(REQUIRED_QUERIES).reduce((n, items) => n + items.length, 0)
    + Object.values(REQUIRED_RUNTIME_APIS).reduce((n, methods) => n + methods.length, 0);
  assert.equal(metadataProblems(empty).length, expected);

  const renamed = metadataProblems(fakeApi({ pallet: 'records', call: 'addRecord', args: ['patient', 'tag'] }));
  assert.equal(renamed.length, 1);
  assert.match(renamed[0]!, /^tx records\.addRecord: args \(patient, tag\)/);
  assert.deepEqual(metadataProblems(fakeApi(undefined, 'consent.revokeConsent')), ['tx consent.revokeConsent: missing']);

  // The connection refuses a drifted runtime; without the check it is accepted.
  const drifted = Object.assign(fakeApi(undefined, 'records.rekeyRecord'), { genesisHash: { toU8a: () => new Uint8Array(32) } });
  assert.throws(() => TelemedChain.fromApi(drifted),
    (e: unknown) => e instanceof MetadataMismatchError && e.problems.length === 1 && /records\.rekeyRecord/.test(e.message));
  assert.equal(TelemedChain.fromApi(drifted, { checkMetadata: false }).genesisHash.length, 32);

  const error = new MetadataMismatchError(renamed);
  assert.ok(error instanceof ChainError);
  assert.deepEqual(error.problems, renamed);
});

test('a module error decodes to pallet.ErrorName with its docs; other errors by kind', () => {
  const chain = {
    api: {
      registry: {
        findMetaError: (m: { index: number; error: number }) => {
          assert.deepEqual(m, { index: 9, error: 4 });
          return { section: 'records', name: 'NoConsent', docs: ['No consent of the patient covers this.'] };
        },
      },
    },
  } as unknown as TelemedChain;
  const moduleError = { isModule: true, asModule: { index: 9, error: 4 } } as never;
  const decoded = decodeDispatchError(chain, moduleError, 'records.addEnvelope');
  assert.ok(decoded instanceof DispatchError && decoded instanceof ChainError);
  assert.equal(decoded.code, 'records.NoConsent');
  assert.equal(decoded.pallet, 'records');
  assert.equal(decoded.error, 'NoConsent');
  assert.equal(decoded.call, 'records.addEnvelope');
  assert.equal(decoded.name, 'DispatchError');
  assert.match(decoded.message, /records\.addEnvelope failed: records\.NoConsent \(No consent/);

  const token = { isModule: false, isToken: true, asToken: { type: 'FundsUnavailable' } } as never;
  assert.equal(decodeDispatchError(chain, token, 'billing.book').code, 'Token.FundsUnavailable');
  const origin = { isModule: false, isToken: false, isArithmetic: false, type: 'BadOrigin' } as never;
  const bad = decodeDispatchError(chain, origin, 'records.shredRecord');
  assert.equal(bad.code, 'BadOrigin');
  assert.equal(bad.pallet, '');

  const dropped = new TransactionError('records.addRecord', 'Dropped');
  assert.ok(dropped instanceof ChainError);
  assert.equal(dropped.reason, 'Dropped');
});

test("the runtime's JSON becomes the SDK's types: bytes, bigint ids, status", () => {
  const live = recordEntryFromJson(7n, {
    live: {
      patient: '5Patient', author: '5Author', tag: `0x${'11'.repeat(32)}`, commitment: `0x${'22'.repeat(32)}`,
      ciphertextHash: `0x${'33'.repeat(32)}`, sizeClass: 10, locator: '0x0201', createdAt: 1_700_000_000_000,
      record: 5, version: 2, supersedes: 5, kind: 'Amendment', status: { superseded: { by: 9, at: 1 } },
      envelopes: 2, deposit: '0x00000000000000000de0b6b3a7640000',
    },
  });
  assert.equal(live.shredded, false);
  if (live.shredded) return;
  assert.equal(live.version.id, 7n);
  assert.equal(live.version.record, 5n);
  assert.equal(live.version.version, 2);
  assert.equal(live.version.supersedes, 5n);
  assert.equal(live.version.supersededBy, 9n);
  assert.equal(live.version.kind, 'Amendment');
  assert.deepEqual(live.version.locator, new Uint8Array([2, 1]));
  assert.equal(live.version.tag.length, 32);

  const current = recordEntryFromJson(5n, {
    live: {
      patient: 'p', author: 'a', tag: '0x', commitment: '0x', ciphertextHash: '0x', sizeClass: 10, locator: '0x',
      createdAt: 0, record: 5, version: 1, supersedes: null, kind: 'Original', status: { current: null }, envelopes: 0,
    },
  });
  assert.ok(!current.shredded && current.version.supersededBy === null && current.version.supersedes === null);

  const shredded = recordEntryFromJson(8n, { shredded: { commitment: `0x${'44'.repeat(32)}`, at: 42 } });
  assert.ok(shredded.shredded);
  assert.equal(shredded.at, 42);
  assert.equal(shredded.commitment[0], 0x44);

  const envelope = envelopeFromJson({ sealed: '0x0100', sealedTo: `0x${'55'.repeat(32)}`, purpose: 'Treatment', depositor: '5P' });
  assert.deepEqual(envelope.sealed, new Uint8Array([1, 0]));
  assert.equal(envelope.purpose, 'Treatment');
});

/** A fake transaction: records the nonce it is signed with, then reports `status`. */
function fakeTx(nonces: number[], status: 'InBlock' | 'Invalid', submitFails = false): Transaction {
  return {
    method: { section: 'records', method: 'addRecord' },
    signAndSend: (_signer: unknown, options: { nonce: number }, callback: (r: unknown) => void) => {
      nonces.push(options.nonce);
      if (submitFails) return Promise.reject(new Error('1010: Invalid Transaction'));
      setTimeout(() => callback({
        status: {
          type: status, isInvalid: status === 'Invalid', isDropped: false, isUsurped: false,
          isInBlock: status === 'InBlock', isFinalized: false, asInBlock: { toHex: () => '0xb10c' },
        },
        events: [],
        dispatchError: undefined,
      }), 5);
      return Promise.resolve(() => undefined);
    },
  } as unknown as Transaction;
}

test("one signer's transactions sent at once get consecutive nonces; a refused one makes the next ask again", async () => {
  let asked = 0;
  const chain = {
    api: { rpc: { system: { accountNextIndex: async () => ({ toNumber: () => (asked++, 7) }) } } },
  } as unknown as TelemedChain;
  const signer = { address: 'signer-a' } as Signer;
  const nonces: number[] = [];
  const included = await Promise.all([0, 1, 2].map(() => send(chain, fakeTx(nonces, 'InBlock'), signer)));
  assert.deepEqual(nonces, [7, 8, 9]);
  assert.equal(asked, 1, 'the node is asked once');
  assert.equal(included[0]!.blockHash, '0xb10c');

  await assert.rejects(send(chain, fakeTx(nonces, 'Invalid'), signer),
    (e: unknown) => e instanceof TransactionError && e.reason === 'Invalid');
  await assert.rejects(send(chain, fakeTx(nonces, 'InBlock', true), signer),
    (e: unknown) => e instanceof TransactionError && /1010/.test(e.reason));
  await send(chain, fakeTx(nonces, 'InBlock'), signer);
  assert.deepEqual(nonces, [7, 8, 9, 10, 7, 7]);
  assert.equal(asked, 3, 'asked again after each refusal');
});

/** A transaction the node never reports on: submitted (signed, hash `0x5e4d`), then silence; or never even submitted. */
function silentTx(nonces: number[], submission: 'submitted' | 'hangs' = 'submitted'): Transaction & { unsubscribed: number } {
  const tx = {
    method: { section: 'records', method: 'addRecord' },
    isSigned: false,
    hash: { toHex: () => (tx.isSigned ? '0x5e4d' : '0xunsigned') },
    unsubscribed: 0,
    signAndSend: (_signer: unknown, options: { nonce: number }) => {
      nonces.push(options.nonce);
      tx.isSigned = true;
      if (submission === 'hangs') return new Promise(() => undefined);
      return Promise.resolve(() => {
        tx.unsubscribed += 1;
      });
    },
  };
  return tx as unknown as Transaction & { unsubscribed: number };
}

test('send() gives up at its deadline: outcome unknown with the extrinsic hash once sent, not sent before; the next send asks the nonce again', { timeout: 60_000 }, async () => {
  let asked = 0;
  const chain = {
    api: { rpc: { system: { accountNextIndex: async () => ({ toNumber: () => (asked++, 3) }) } } },
  } as unknown as TelemedChain;
  const signer = { address: 'signer-timeout' } as Signer;
  const nonces: number[] = [];
  const silent = silentTx(nonces);
  await assert.rejects(send(chain, silent, signer, { timeoutMs: 50 }), (e: unknown) =>
    e instanceof OutcomeUnknownError && e.reason === 'timeout' && e.txHash === '0x5e4d' && e.call === 'records.addRecord'
    && /unknown/.test(e.message) && e instanceof ChainError);
  assert.equal(silent.unsubscribed, 1, 'the status subscription is dropped');
  // A transaction stuck before the node took it: the next one of the signer waits behind it and
  // is given up at its own deadline without being sent.
  const stuck = silentTx(nonces, 'hangs');
  const stuckSend = send(chain, stuck, signer, { timeoutMs: 60 });
  const queued = silentTx(nonces);
  await assert.rejects(send(chain, queued, signer, { timeoutMs: 30 }), (e: unknown) =>
    e instanceof TransactionError && e.reason === 'not sent in time');
  await assert.rejects(stuckSend, (e: unknown) => e instanceof OutcomeUnknownError && e.txHash === '0x5e4d');
  assert.equal((queued as unknown as { isSigned: boolean }).isSigned, false, 'never signed nor sent');
  // The nonce is asked of the node again after each outcome lost.
  assert.deepEqual(nonces, [3, 3]);
  assert.equal(asked, 2);
  // Later transactions of the signer are not blocked by the lost ones.
  await send(chain, fakeTx(nonces, 'InBlock'), signer, { timeoutMs: 1_000 });
});

test('send() ends when the provider reports disconnected (a lost subscription is never renewed)', async () => {
  const emitter = new EventEmitter();
  const api = Object.assign(emitter, { rpc: { system: { accountNextIndex: async () => ({ toNumber: () => 0 }) } } });
  const chain = { api } as unknown as TelemedChain;
  const signer = { address: 'signer-disconnect' } as Signer;
  const nonces: number[] = [];
  const pending = send(chain, silentTx(nonces), signer);
  await new Promise((r) => setTimeout(r, 20));
  emitter.emit('disconnected');
  await assert.rejects(pending, (e: unknown) => e instanceof OutcomeUnknownError && e.reason === 'disconnected' && e.txHash === '0x5e4d');
  assert.equal(emitter.listenerCount('disconnected'), 0, 'the listener is removed');
  // A settled send removes its listener too.
  await send(chain, fakeTx(nonces, 'InBlock'), signer);
  assert.equal(emitter.listenerCount('disconnected'), 0);
});

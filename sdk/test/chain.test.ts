// Chain access without a node: typed errors, the metadata check, dispatch-error decoding and the
// conversion of the runtime's JSON into the SDK's types (fakes stand in for @polkadot/api).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApiPromise } from '@polkadot/api';

import {
  ChainError,
  decodeDispatchError,
  DispatchError,
  MetadataMismatchError,
  metadataProblems,
  REQUIRED_CALLS,
  REQUIRED_QUERIES,
  REQUIRED_RUNTIME_APIS,
  type TelemedChain,
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

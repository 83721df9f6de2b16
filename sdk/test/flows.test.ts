// The flows' off-chain steps without a node: the in-memory blob store, finding the reader's
// secret key, and the read path's checks (a tampered blob, a wrong commitment, an envelope from
// another record, version or grantee) with a fake chain that only knows the genesis hash.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeAddress } from '@polkadot/util-crypto';

import {
  type Actor,
  BlobNotFoundError,
  type BlobStore,
  BlobStoreError,
  bindingFor,
  DecryptionError,
  encryptContent,
  type FlowContext,
  generateRecoveryPhrase,
  KeyRing,
  MemoryBlobStore,
  MismatchError,
  newDataKey,
  NotFoundError,
  openKeyEnvelope,
  openVersion,
  type RecordVersion,
  sealEnvelope,
  sealLocator,
  secretKeyFor,
  type Signer,
  type TelemedChain,
  utf8,
} from '../src/index.ts';
import { counting, flip, keyPair } from './helpers.ts';

// Two accounts, as hex account ids (decodeAddress takes those as well as SS58).
const ALICE = `0x${'a1'.repeat(32)}`;
const BOB = `0x${'b0'.repeat(32)}`;

function fakeContext(store = new MemoryBlobStore()): FlowContext {
  const chain = {
    genesisHash: counting(32, 0x20),
    accountId: (a: string | Uint8Array) => (typeof a === 'string' ? decodeAddress(a) : a),
    address: (a: string | Uint8Array) => String(a),
  } as unknown as TelemedChain;
  return { chain, store };
}

function actor(address: string, keys: Actor['keys']): Actor {
  return { signer: { address } as Signer, keys };
}

async function anchored(ctx: FlowContext, resource: Uint8Array): Promise<{ version: RecordVersion; dataKey: Uint8Array; locator: string }> {
  const dataKey = newDataKey();
  const content = encryptContent(dataKey, resource);
  const locator = await ctx.store.put(content.ciphertext);
  const version: RecordVersion = {
    id: 12n, patient: ALICE, author: ALICE, tag: counting(32), commitment: content.commitment,
    ciphertextHash: content.ciphertextHash, sizeClass: content.sizeClass, locator: sealLocator(dataKey, locator),
    createdAt: 0, record: 10n, version: 2, supersedes: 10n, kind: 'Amendment', supersededBy: null, envelopes: 1,
  };
  return { version, dataKey, locator };
}

test('the memory store keeps copies, forgets on delete and says when nothing is stored', async () => {
  const store = new MemoryBlobStore();
  const blob = counting(64);
  const locator = await store.put(blob);
  assert.match(locator, /^mem:\/\/[0-9a-f]{32}$/);
  blob[0] = 99;
  const got = await store.get(locator);
  assert.equal(got[0], 0, 'a copy was stored');
  got[1] = 99;
  assert.equal((await store.get(locator))[1], 1, 'a copy is returned');
  assert.notEqual(await store.put(blob), locator, 'every put has its own locator');
  await store.delete(locator);
  assert.equal(store.has(locator), false);
  await store.delete(locator); // deleting twice is not an error
  await assert.rejects(store.get(locator), (e: unknown) => e instanceof BlobNotFoundError && e instanceof BlobStoreError && e.locator === locator);
});

test("the reader's secret key is found by the key the chain says the envelope is sealed to", async () => {
  const ring = KeyRing.fromRecoveryPhrase(generateRecoveryPhrase());
  const v3 = ring.keyAgreement(3);
  // Sealed to version 3 but the header says 0: still found (every version is tried).
  const envelope = await sealEnvelope(newDataKey(), v3.publicKey, 0, { genesisHash: counting(32), record: 1, version: 1, grantee: counting(32) });
  assert.deepEqual(secretKeyFor(actor(ALICE, ring), v3.publicKey, envelope), v3.secretKey);
  const pair = { keyVersion: 0, ...keyPair(7) };
  assert.deepEqual(secretKeyFor(actor(BOB, pair), pair.publicKey, envelope), pair.secretKey);
  assert.throws(() => secretKeyFor(actor(BOB, pair), v3.publicKey, envelope), NotFoundError);
  assert.throws(() => secretKeyFor(actor(ALICE, ring), keyPair(9).publicKey, envelope), NotFoundError);
});

test('the read path checks the blob against the chain: tampered, wrong commitment, wrong key, re-keyed', async () => {
  const ctx = fakeContext();
  const resource = utf8(JSON.stringify({ resourceType: 'Observation', status: 'final' }));
  const { version, dataKey, locator } = await anchored(ctx, resource);
  assert.deepEqual((await openVersion(ctx, version, dataKey)).resource, resource);

  // Every byte position class: version byte, nonce, ciphertext body, tag.
  for (const index of [0, 5, 200, 1023]) {
    const store: BlobStore = {
      put: (c) => ctx.store.put(c),
      delete: (l) => ctx.store.delete(l),
      get: async (l) => flip(await ctx.store.get(l), index),
    };
    const tampered: FlowContext = { ...ctx, store };
    await assert.rejects(openVersion(tampered, version, dataKey), (e: unknown) => e instanceof MismatchError && e.format === 'content', `byte ${index}`);
  }
  const commitment = flip(version.commitment, 31, 7);
  await assert.rejects(openVersion(ctx, { ...version, commitment }, dataKey),
    (e: unknown) => e instanceof MismatchError && e.format === 'commitment');
  await assert.rejects(openVersion(ctx, { ...version, sizeClass: version.sizeClass + 1 }, dataKey), MismatchError);
  await assert.rejects(openVersion(ctx, version, newDataKey()), (e: unknown) => e instanceof DecryptionError && e.format === 'locator');
  await assert.rejects(openVersion(ctx, { ...version, locator: new Uint8Array() }, dataKey), NotFoundError);
  await ctx.store.delete(locator);
  await assert.rejects(openVersion(ctx, version, dataKey), BlobNotFoundError);
});

test('an envelope opens only for its own chain, record, version and grantee', async () => {
  const ctx = fakeContext();
  const { version, dataKey } = await anchored(ctx, utf8('{}'));
  const ring = KeyRing.fromRecoveryPhrase(generateRecoveryPhrase());
  const reader = actor(BOB, ring);
  const key = ring.keyAgreement(0);
  const sealed = await sealEnvelope(dataKey, key.publicKey, 0, bindingFor(ctx, version, BOB));
  const envelope = { sealed, sealedTo: key.publicKey, purpose: 'Treatment' as const, depositor: ALICE };
  assert.deepEqual(await openKeyEnvelope(ctx, reader, version, envelope), dataKey);

  const refused = (e: unknown) => e instanceof DecryptionError && e.format === 'envelope';
  await assert.rejects(openKeyEnvelope(ctx, reader, { ...version, record: version.record + 1n }, envelope), refused, 'another record');
  await assert.rejects(openKeyEnvelope(ctx, reader, { ...version, version: version.version + 1 }, envelope), refused, 'another version');
  await assert.rejects(openKeyEnvelope(ctx, actor(ALICE, ring), version, envelope), refused, 'another grantee');
  const otherChain = fakeContext();
  (otherChain.chain as unknown as { genesisHash: Uint8Array }).genesisHash = counting(32, 0x21);
  await assert.rejects(openKeyEnvelope(otherChain, reader, version, envelope), refused, 'another chain');
  await assert.rejects(openKeyEnvelope(ctx, reader, version, { ...envelope, sealed: flip(sealed, 40) }), refused, 'a changed bit');
});

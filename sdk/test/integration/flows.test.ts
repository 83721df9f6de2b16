// The SDK's flows against a real dev node (TELEMED_NODE, else the release build): a patient
// registers with the SDK's key-agreement key, adds a FHIR resource, grants the demo physician a
// consent and seals the key to him; he reads through the chain; the patient amends, revokes and
// re-keys (his old key opens nothing current), then shreds. Bad input (a tampered ciphertext, a
// record anchored with a wrong commitment, an envelope from another record or version) gives
// typed errors. Meanwhile
// a second patient books the physician and pays, and a third books him for a consultation session:
// both pin session keys on chain, talk end to end over an in-memory relay (a relay swapping keys
// is refused), and the keys are gone after delivery. Not part of `npm test` (it needs the node):
// `npm run test:chain`, run by scripts/test.sh after the Rust build.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { cryptoWaitReady, mnemonicGenerate } from '@polkadot/util-crypto';
import { x25519 } from '@noble/curves/ed25519.js';

import {
  type Actor,
  billing,
  BlobNotFoundError,
  bookConsultation,
  bindingFor,
  commitmentOf,
  consent,
  dataKeyOf,
  encryptContent,
  newDataKey,
  newSalt,
  sealEnvelope,
  sealLocator,
  DecryptionError,
  decryptContent,
  DispatchError,
  equalBytes,
  type FlowContext,
  generateRecoveryPhrase,
  grantAndSeal,
  KeyRing,
  MemoryBlobStore,
  MismatchError,
  metadataProblems,
  openKeyEnvelope,
  openLocator,
  openVersion,
  payConsultation,
  readRecord,
  records,
  registerPatient,
  rekeyRecord,
  revokeConsent,
  send,
  shredRecord,
  tagOf,
  TelemedChain,
  utf8,
  addResource,
  amendResource,
  acceptConsultation,
  deliverConsultation,
  type BlobStore,
  type RecordId,
  anchorSamples,
  deviceLabelOf,
  NotFoundError,
  openBatch,
  openEnvelope,
  pairDevice,
  recoverKeyRing,
  resealHeld,
  resealToGrantee,
  rotateKeys,
  type Sample,
  sealRecoveryKit,
  verifySampleProof,
  practitioners,
  connectSession,
  KeyMismatchError,
  MemoryRelay,
  pinSessionKey,
  SequenceError,
  sessionChannel,
} from '../../src/index.ts';
import { removeDir, startNode, stopAllNodes, tempDir, waitFor } from '../../../testing/node.ts';

const UNITS = 10n ** 12n;

/** Rejects with a `DispatchError` whose code is one of `codes`. */
async function rejectsWith(promise: Promise<unknown>, ...codes: string[]): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof DispatchError, `a DispatchError, not ${String(e)}`);
    assert.ok(codes.includes(e.code), `${e.code} is one of ${codes.join(', ')}`);
    return true;
  });
}

/** A synthetic observation of nobody. */
function observation(value: number): Uint8Array {
  return utf8(JSON.stringify({
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '2339-0' }] },
    valueQuantity: { value, unit: 'mmol/L' },
  }));
}

/** `n` synthetic wearable readings of nobody, one a second from `base`. */
function readings(n: number, base: number): Sample[] {
  return Array.from({ length: n }, (_, i) => ({ at: base + i * 1000, value: utf8(JSON.stringify({ hr: 64 + i })) }));
}

describe('sdk flows against a dev node', { concurrency: 5 }, () => {
  const basePath = tempDir();
  const store = new MemoryBlobStore();
  let chain: TelemedChain;
  let ctx: FlowContext;
  let alice: KeyringPair;
  let patient: Actor;
  let doctor: Actor;
  let payer: Actor;
  let wearer: Actor;
  let device: KeyringPair;
  let holder: Actor;
  let guardian: Actor;
  let nurse: Actor;
  let visitor: Actor;
  const started = Date.now();

  before(async () => {
    await cryptoWaitReady();
    const node = await startNode({ basePath });
    console.log(`# the node answered after ${Math.round((Date.now() - started) / 1000)} s`);
    chain = await TelemedChain.connect(node.wsUrl);
    ctx = { chain, store };
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    alice = keyring.addFromUri('//Alice');
    // The dev chain's licensed demo physician; his published key is a development key (see the
    // dev preset), not one derived by the SDK.
    const doctorSecret = new Uint8Array(createHash('sha256').update('telemed dev key agreement //Bob').digest());
    doctor = {
      signer: keyring.addFromUri('//Bob'),
      keys: { keyVersion: 0, secretKey: doctorSecret, publicKey: x25519.getPublicKey(doctorSecret) },
    };
    patient = { signer: keyring.addFromMnemonic(mnemonicGenerate()), keys: KeyRing.fromRecoveryPhrase(generateRecoveryPhrase()) };
    payer = { signer: keyring.addFromMnemonic(mnemonicGenerate()), keys: KeyRing.fromRecoveryPhrase(generateRecoveryPhrase()) };
    const fresh = (): Actor => ({ signer: keyring.addFromMnemonic(mnemonicGenerate()), keys: KeyRing.fromRecoveryPhrase(generateRecoveryPhrase()) });
    wearer = fresh();
    holder = fresh();
    guardian = fresh();
    nurse = fresh();
    visitor = fresh();
    device = keyring.addFromMnemonic(mnemonicGenerate());
    // The transfers go out at once and share a block (send() orders Alice's nonces).
    await Promise.all([
      send(chain, chain.api.tx.balances!.transferKeepAlive!(patient.signer.address, 10n * UNITS), alice),
      send(chain, chain.api.tx.balances!.transferKeepAlive!(payer.signer.address, 100n * UNITS), alice),
      ...[wearer.signer.address, device.address, holder.signer.address, guardian.signer.address, visitor.signer.address].map((who) =>
        send(chain, chain.api.tx.balances!.transferKeepAlive!(who, 10n * UNITS), alice)),
      send(chain, chain.api.tx.balances!.transferKeepAlive!(nurse.signer.address, 20n * UNITS), alice),
    ]);
  });

  after(async () => {
    await chain?.disconnect();
    await stopAllNodes();
    removeDir(basePath);
    console.log(`# sdk integration test took ${Math.round((Date.now() - started) / 1000)} s`);
  });

  test('patient → practitioner: add, grant and seal, read, amend, revoke and re-key, shred', async (t) => {
    const tag = tagOf((patient.keys as KeyRing).tagKey(0), 'category/laboratory');
    const first = observation(5.4);
    const second = observation(5.1);
    let v1: RecordId = 0n;
    let v2: RecordId = 0n;
    let consentId = 0n;
    /** A record anchored with a commitment that is not its content's (its blob in `otherStore`). */
    let miscommitted: RecordId = 0n;
    const otherStore = new MemoryBlobStore();

    /** What a faulty or hostile writer does: anchors a commitment to something else. */
    async function addMiscommitted(): Promise<RecordId> {
      const dataKey = newDataKey();
      const content = encryptContent(dataKey, observation(9.9));
      const locator = await otherStore.put(content.ciphertext);
      const id = await records.addRecord(chain, patient.signer, patient.signer.address, tag, {
        ...content, commitment: commitmentOf(newSalt(), observation(9.9)), locator: sealLocator(dataKey, locator),
      }, 'Treatment');
      const version = await records.recordVersion(chain, id);
      const own = (patient.keys as KeyRing).keyAgreement(0);
      await records.addEnvelope(chain, patient.signer, id, patient.signer.address,
        await sealEnvelope(dataKey, own.publicKey, 0, bindingFor(ctx, version, patient.signer.address)), 'Treatment');
      return id;
    }

    /** The data key the physician opened while his consent held. */
    let doctorsKey: Uint8Array = new Uint8Array();

    await t.test('the runtime has every call, storage item and runtime API the SDK uses', () => {
      assert.deepEqual(metadataProblems(chain.api), []);
    });

    await t.test('register with the SDK key; add a resource: encrypt, store, anchor, own envelope', async () => {
      await registerPatient(ctx, patient);
      const registered = await records.patient(chain, patient.signer.address);
      assert.ok(registered && equalBytes(registered.key, (patient.keys as KeyRing).keyAgreement(0).publicKey));
      // Sent at once: both records (and then both envelopes) share a block.
      const [written, other] = await Promise.all([
        addResource(ctx, patient, patient.signer.address, first, tag, { purpose: 'Treatment' }),
        addMiscommitted(),
      ]);
      v1 = written.id;
      miscommitted = other;
      assert.equal(written.version.record, v1);
      assert.equal(written.version.version, 1);
      assert.ok(equalBytes(written.version.tag, tag));
      assert.equal(store.size, 1);
      // The patient reads their own record back through the same read path.
      const own = await readRecord(ctx, patient, v1, { access: false });
      assert.deepEqual(own.resource, first);
    });

    await t.test('a consent to the physician, the key sealed to him', async () => {
      const granted = await grantAndSeal(ctx, patient, doctor.signer.address,
        { actions: ['Read'], scope: { Tags: [tag] }, purposes: ['Treatment'] }, [v1], 'Treatment');
      consentId = granted.consent;
      assert.deepEqual(granted.sealed, [v1]);
      assert.deepEqual(await records.envelopesOf(chain, patient.signer.address, doctor.signer.address), [v1]);
      const allowed = await consent.checkAccess(chain, doctor.signer.address, patient.signer.address, 'Read',
        { record: { tag, record: v1 } }, 'Treatment');
      assert.ok('ok' in allowed, JSON.stringify(allowed));
      const research = await consent.checkAccess(chain, doctor.signer.address, patient.signer.address, 'Read',
        { record: { tag, record: v1 } }, 'Research');
      assert.ok('err' in research, 'not for another purpose');
    });

    await t.test('the patient amends, sealing to the physician too; he reads through the chain', async () => {
      const amended = await amendResource(ctx, patient, v1, second, { purpose: 'Treatment', sealTo: [doctor.signer.address] });
      v2 = amended.id;
      assert.equal(amended.version.version, 2);
      assert.equal(amended.version.record, v1);
      const read = await readRecord(ctx, doctor, v2);
      assert.deepEqual(read.resource, second);
      doctorsKey = (await dataKeyOf(ctx, doctor, v2)).dataKey;
      assert.equal(doctorsKey.length, 32);
    });

    await t.test('bad input gives typed errors: tampered ciphertext, wrong commitment, envelope from elsewhere', async () => {
      const version = await records.recordVersion(chain, v2);
      // A tampered ciphertext: one bit changed in the store.
      const tampering: BlobStore = {
        put: (c) => store.put(c),
        delete: (l) => store.delete(l),
        get: async (l) => {
          const blob = await store.get(l);
          blob[100] = (blob[100] as number) ^ 1;
          return blob;
        },
      };
      await assert.rejects(openVersion({ chain, store: tampering }, version, doctorsKey),
        (e: unknown) => e instanceof MismatchError && e.format === 'content');
      // A commitment that is not the content's.
      const wrong = version.commitment.slice();
      wrong[0] = (wrong[0] as number) ^ 1;
      await assert.rejects(openVersion(ctx, { ...version, commitment: wrong }, doctorsKey),
        (e: unknown) => e instanceof MismatchError && e.format === 'commitment');
      // His envelope of version 1 presented for version 2, and for another record.
      const envelopeV1 = await records.envelope(chain, v1, doctor.signer.address);
      assert.ok(envelopeV1);
      await assert.rejects(openKeyEnvelope(ctx, doctor, version, envelopeV1),
        (e: unknown) => e instanceof DecryptionError && e.format === 'envelope');
      await assert.rejects(openKeyEnvelope(ctx, doctor, { ...version, record: version.record + 1n, version: 1 }, envelopeV1),
        (e: unknown) => e instanceof DecryptionError && e.format === 'envelope');
      // A record whose anchored commitment is not its content's.
      await assert.rejects(readRecord({ chain, store: otherStore }, patient, miscommitted, { access: false }),
        (e: unknown) => e instanceof MismatchError && e.format === 'commitment');
      // The patient's envelope of that other record presented for this one.
      const otherEnvelope = await records.envelope(chain, miscommitted, patient.signer.address);
      assert.ok(otherEnvelope);
      await assert.rejects(openKeyEnvelope(ctx, patient, await records.recordVersion(chain, v1), otherEnvelope),
        (e: unknown) => e instanceof DecryptionError && e.format === 'envelope');
      // A locator nobody stored.
      await assert.rejects(ctx.store.get('mem://00'), BlobNotFoundError);
    });

    await t.test('revoking removes his envelopes; after the re-key his old key opens nothing current', async () => {
      const revoked = await revokeConsent(ctx, patient, consentId);
      assert.ok(revoked.events.some((e) => e.pallet === 'records' && e.name === 'EnvelopeRemoved'));
      assert.equal(await records.envelope(chain, v2, doctor.signer.address), null);
      assert.ok('err' in await consent.checkAccess(chain, doctor.signer.address, patient.signer.address, 'Read',
        { record: { tag, record: v1 } }, 'Treatment'));
      const before = await records.recordVersion(chain, v2);
      // Keeping him is refused (typed), and the new ciphertext is not left in the store.
      const blobs = store.size;
      await Promise.all([
        rejectsWith(readRecord(ctx, doctor, v2), 'records.NoEnvelope'),
        rejectsWith(rekeyRecord(ctx, patient, v2, { keep: [doctor.signer.address] }), 'records.NoEnvelope', 'records.NoConsent'),
      ]);
      assert.equal(store.size, blobs, 'no partial write');
      // Until the re-key, the key he kept still opens the current ciphertext.
      assert.deepEqual((await openVersion(ctx, before, doctorsKey)).resource, second);

      const rekeyed = await rekeyRecord(ctx, patient, v2);
      assert.equal(rekeyed.version.kind, 'ReKey');
      assert.ok(equalBytes(rekeyed.version.commitment, before.commitment), 'the same commitment');
      assert.equal(rekeyed.version.version, 3);
      const replaced = await records.recordVersion(chain, v2);
      assert.equal(replaced.locator.length, 0, 'the replaced version lost its locator');
      assert.throws(() => openLocator(doctorsKey, rekeyed.version.locator), DecryptionError);
      const current = await store.get(rekeyed.locator);
      assert.throws(() => decryptContent(doctorsKey, current), DecryptionError,
        "the revoked physician's old key does not open the current ciphertext");
      await assert.rejects(openVersion(ctx, rekeyed.version, doctorsKey), DecryptionError);
      assert.deepEqual((await readRecord(ctx, patient, rekeyed.id, { access: false })).resource, second);

      await t.test('shredding deletes the blobs and leaves only the commitment', async () => {
        const { deleted, unreachable } = await shredRecord(ctx, patient, rekeyed.id);
        assert.equal(unreachable, 0);
        // Version 1's (an amendment keeps the old version and its blob) and the current one's;
        // version 2's went at the re-key.
        assert.equal(deleted, 2);
        assert.equal(store.size, 0);
        await assert.rejects(store.get(rekeyed.locator), BlobNotFoundError);
        const entry = await records.recordEntry(chain, rekeyed.id);
        assert.ok(entry?.shredded);
        assert.ok(equalBytes(entry.commitment, before.commitment));
        await rejectsWith(readRecord(ctx, patient, rekeyed.id), 'records.RecordShredded');
      });
    });
  });

  test('book and pay: the price is held at booking and paid out on confirmation', async (t) => {
    const service = '99213';
    const price = 20n * UNITS;
    await billing.setService(chain, doctor.signer, service, new Uint8Array(32).fill(7), price, 30 * 60 * 1000);
    // A quote the runtime refuses sends nothing.
    await assert.rejects(bookConsultation(ctx, payer, doctor.signer.address, 'nope', (await chain.now()) + 60_000),
      (e: unknown) => e instanceof Error && e.name === 'QuoteRefusedError');
    const at = (await chain.now()) + 36_000;
    const booked = await bookConsultation(ctx, payer, doctor.signer.address, service, at);
    assert.equal(booked.patientShare, price);
    assert.equal(booked.quote.price, price);
    await acceptConsultation(ctx, doctor, booked.id);
    await t.test('paying before delivery is refused with the reason', async () => {
      await rejectsWith(payConsultation(ctx, payer, booked.id), 'billing.WrongStatus');
    });
    await waitFor(async () => (await chain.now()) >= at, 90_000, 'the visit time', 1_000);
    await deliverConsultation(ctx, doctor, booked.id);
    const settled = await payConsultation(ctx, payer, booked.id);
    assert.equal(settled.paid + settled.fee, price);
    assert.equal(settled.fee, price / 100n);
  });
  test('a consultation session: both keys pinned on chain, an end-to-end channel over a relay, keys gone after the visit', async (t) => {
    // A service of its own, so this journey does not depend on the book-and-pay one.
    const service = '99214';
    await billing.setService(chain, doctor.signer, service, new Uint8Array(32).fill(8), 5n * UNITS, 15 * 60 * 1000);
    const at = (await chain.now()) + 60_000;
    const booked = await bookConsultation(ctx, visitor, doctor.signer.address, service, at);
    const id = booked.id;
    // Not before acceptance.
    await rejectsWith(pinSessionKey(ctx, visitor, id), 'billing.WrongStatus');
    await acceptConsultation(ctx, doctor, id);
    // Both parties pin their keys at once; a third party is refused.
    const [mine, his] = await Promise.all([
      pinSessionKey(ctx, visitor, id),
      pinSessionKey(ctx, doctor, id),
      rejectsWith(pinSessionKey(ctx, payer, id), 'billing.NotAParty'),
    ]);
    assert.equal(mine.replaced || his.replaced, false);
    const pinned = await billing.sessionKeys(chain, id);
    assert.ok(pinned?.patient && pinned.practitioner);
    assert.ok(equalBytes(pinned.patient.key, mine.keys.publicKey));
    assert.ok(equalBytes(pinned.practitioner.key, his.keys.publicKey));
    assert.equal(pinned.patient.revision, 1);

    await t.test('the two clients talk over a relay that sees only ciphertext', async () => {
      const p = await sessionChannel(ctx, 'patient', id, mine.keys);
      const d = await sessionChannel(ctx, 'practitioner', id, his.keys);
      const relay = new MemoryRelay();
      const [cp, cd] = await Promise.all([connectSession(p, relay.a), connectSession(d, relay.b)]);
      assert.ok(p.verified && d.verified);
      assert.equal(p.sas, d.sas);
      const question = utf8('synthetic question of nobody');
      cp.send(question);
      assert.deepEqual(await cd.receive(), question);
      cd.send(utf8('synthetic answer'));
      assert.deepEqual(await cp.receive(), utf8('synthetic answer'));
      for (const frame of relay.seen) assert.ok(!Buffer.from(frame).includes(Buffer.from(question)));
      // A replayed frame is refused.
      const replaying = new MemoryRelay((frame, from) => (from === 'a' && frame[1] === 0x02 ? [frame, frame] : frame));
      const [rp, rd] = await Promise.all([
        connectSession(await sessionChannel(ctx, 'patient', id, mine.keys), replaying.a),
        connectSession(await sessionChannel(ctx, 'practitioner', id, his.keys), replaying.b),
      ]);
      rp.send(question);
      assert.deepEqual(await rd.receive(), question);
      await assert.rejects(rd.receive(), SequenceError);
    });

    await t.test('a relay that swaps the keys is detected against the chain', async () => {
      // The relay's own key, put in place of the practitioner's in every hello.
      const relayKey = x25519.getPublicKey(new Uint8Array(32).fill(0x77));
      const swapping = new MemoryRelay((frame) => {
        if (frame[1] === 0x01) frame.set(relayKey, 11);
        return frame;
      });
      const results = await Promise.allSettled([
        connectSession(await sessionChannel(ctx, 'patient', id, mine.keys), swapping.a),
        connectSession(await sessionChannel(ctx, 'practitioner', id, his.keys), swapping.b),
      ]);
      for (const r of results) assert.ok(r.status === 'rejected' && r.reason instanceof KeyMismatchError, String(r.status));
    });

    await t.test('a replacement is announced and the old channel no longer matches the chain', async () => {
      const again = await pinSessionKey(ctx, visitor, id);
      assert.equal(again.replaced, true);
      const now = await billing.sessionKeys(chain, id);
      assert.equal(now?.patient?.revision, 2);
      await assert.rejects(sessionChannel(ctx, 'patient', id, mine.keys), KeyMismatchError);
      const p = await sessionChannel(ctx, 'patient', id, again.keys);
      const d = await sessionChannel(ctx, 'practitioner', id, his.keys);
      const relay = new MemoryRelay();
      await Promise.all([connectSession(p, relay.a), connectSession(d, relay.b)]);
      assert.ok(p.verified && d.verified);
    });

    await t.test('delivery removes both keys; nothing can be pinned after', async () => {
      await waitFor(async () => (await chain.now()) >= at, 90_000, 'the visit time', 1_000);
      await deliverConsultation(ctx, doctor, id);
      assert.equal(await billing.sessionKeys(chain, id), null);
      await assert.rejects(sessionChannel(ctx, 'patient', id, mine.keys), NotFoundError);
      await rejectsWith(pinSessionKey(ctx, visitor, id), 'billing.WrongStatus');
    });
  });
  test('wearable: pair a device, anchor a batch from its account, the patient opens it and proves one sample', async (t) => {
    const store = new MemoryBlobStore();
    const wctx: FlowContext = { chain, store };
    await registerPatient(wctx, wearer);
    await pairDevice(wctx, wearer, device, deviceLabelOf((wearer.keys as KeyRing).tagKey(0), 'wrist'));
    const base = (await chain.now()) - 60_000;
    const first = readings(6, base);
    const receipt = await anchorSamples(wctx, device, wearer.signer.address, 1n, first);
    const latest = await records.latestBatch(chain, device.address);
    assert.ok(latest);
    assert.equal(latest.seq, 1n);
    assert.ok(equalBytes(latest.root, receipt.batch.root), 'the chain anchors the Merkle root');
    assert.equal(latest.samples, 6);
    assert.equal(latest.from, first[0]!.at);
    assert.equal(latest.to, first[5]!.at);
    assert.equal(store.size, 1);

    const opened = await openBatch(wctx, wearer, receipt);
    assert.deepEqual(opened.batch.samples, first);
    const proof = opened.batch.proof(2);
    assert.ok(verifySampleProof(latest.root, first[2]!, proof, latest.samples), 'one sample proven against the anchor');

    await t.test('tampering: wrong sample, wrong index, proof of another batch, wrong root', async () => {
      assert.ok(!verifySampleProof(latest.root, first[3]!, proof));
      assert.ok(!verifySampleProof(latest.root, { ...first[2]!, value: utf8('{"hr":99}') }, proof));
      assert.ok(!verifySampleProof(latest.root, first[3]!, opened.batch.proof(2).fill(3, 1, 2)));
      const second = await anchorSamples(wctx, device, wearer.signer.address, 2n, readings(6, base + 10_000));
      assert.ok(!verifySampleProof(latest.root, second.batch.samples[2]!, second.batch.proof(2)), 'a proof from another batch');
      assert.ok(!verifySampleProof(second.anchor.root, first[2]!, proof));
      // A receipt whose anchor does not match what the device stored.
      const wrongRoot = { ...second, anchor: { ...second.anchor, root: receipt.anchor.root } };
      await assert.rejects(openBatch(wctx, wearer, wrongRoot), (e: unknown) => e instanceof MismatchError && e.format === 'batch');
      // Someone else cannot open the batch key.
      await assert.rejects(openBatch(wctx, holder, second), NotFoundError);
      // A sequence number that does not increase is refused and leaves no blob behind.
      const blobs = store.size;
      await rejectsWith(anchorSamples(wctx, device, wearer.signer.address, 2n, first), 'records.SequenceNotIncreasing');
      assert.equal(store.size, blobs, 'no partial write');
      // Only the device anchors: the patient's own account is no device.
      await rejectsWith(records.anchorBatch(chain, wearer.signer, { seq: 9n, root: latest.root, samples: 6, from: base, to: base }),
        'records.UnknownDevice');
    });
  });

  test('guardian recovery, then key rotation: own envelopes re-sealed, the old key opens none of them', async (t) => {
    const hctx: FlowContext = { chain, store: new MemoryBlobStore() };
    const me = holder.signer.address;
    const them = guardian.signer.address;
    await Promise.all([registerPatient(hctx, holder), registerPatient(hctx, guardian)]);
    const hTag = tagOf((holder.keys as KeyRing).tagKey(0), 'category/laboratory');
    const gTag = tagOf((guardian.keys as KeyRing).tagKey(0), 'category/laboratory');
    const [h1, h2, g1, g2] = await Promise.all([
      addResource(hctx, holder, me, observation(4.1), hTag, { purpose: 'Treatment' }),
      addResource(hctx, holder, me, observation(4.2), hTag, { purpose: 'Treatment' }),
      addResource(hctx, guardian, them, observation(6.1), gTag, { purpose: 'Treatment' }),
      addResource(hctx, guardian, them, observation(6.2), gTag, { purpose: 'Treatment' }),
    ]).then((w) => w.map((x) => x.id) as [RecordId, RecordId, RecordId, RecordId]);
    // The guardian shares two records with the holder, then denies one: that envelope stays on
    // chain but the holder may not read it now.
    await grantAndSeal(hctx, guardian, me, { actions: ['Read'], scope: { Records: [g1, g2] }, purposes: ['Treatment'] }, [g1, g2], 'Treatment');
    await consent.grantConsent(chain, guardian.signer, them, me,
      { decision: 'Deny', actions: ['Read'], scope: { Records: [g2] }, purposes: ['Treatment'] });
    assert.equal(await records.envelope(chain, g2, me), null, 'no access to g2 now');

    // The holder loses the phrase; the guardian's recovery kit gives the keys back.
    const binding = { genesisHash: chain.genesisHash, owner: chain.accountId(me), guardian: chain.accountId(them) };
    const kit = await sealRecoveryKit((holder.keys as KeyRing).exportSeed(), (guardian.keys as KeyRing).keyAgreement(0).publicKey, 0, binding);
    const recovered: Actor = { signer: holder.signer, keys: await recoverKeyRing(kit, guardian.keys as KeyRing, binding) };
    // …and rotates to keys from a new phrase (the guardian's copy must open nothing new).
    const rotation = await rotateKeys(hctx, recovered, KeyRing.fromRecoveryPhrase(generateRecoveryPhrase()));
    const fresh = rotation.actor;
    assert.deepEqual([...rotation.resealed].sort(), [h1, h2].sort());
    assert.deepEqual(rotation.needsPatient, [{ record: g1, patient: chain.address(them) }]);
    assert.ok(!rotation.resealed.includes(g2) && !rotation.needsPatient.some((n) => n.record === g2), 'lost access: not re-sealed');
    assert.ok(rotation.lostAccess.includes(g2) || !(await records.envelopesOf(chain, them, me)).includes(g2));
    const registered = await records.patient(chain, me);
    assert.ok(registered && equalBytes(registered.key, (fresh.keys as KeyRing).keyAgreement(0).publicKey));

    for (const [id, value] of [[h1, 4.1], [h2, 4.2]] as const) {
      assert.deepEqual((await readRecord(hctx, fresh, id, { access: false })).resource, observation(value));
      const envelope = await records.envelope(chain, id, me);
      const version = await records.recordVersion(chain, id);
      assert.ok(envelope && equalBytes(envelope.sealedTo, registered.key));
      // The old (recovered, guardian-known) keys do not open the new envelope.
      await assert.rejects(openKeyEnvelope(hctx, recovered, version, envelope), NotFoundError);
      await assert.rejects(openEnvelope(envelope.sealed, (recovered.keys as KeyRing).keyAgreement(0).secretKey,
        bindingFor(hctx, version, me)), DecryptionError);
    }

    await t.test('the guardian re-seals the shared record to the new key; a second pass has nothing to do', async () => {
      await resealToGrantee(hctx, guardian, g1, me);
      assert.deepEqual((await readRecord(hctx, fresh, g1)).resource, observation(6.1));
      const envelope = await records.envelope(chain, g1, me);
      assert.ok(envelope);
      await assert.rejects(openKeyEnvelope(hctx, recovered, await records.recordVersion(chain, g1), envelope), NotFoundError);
      const again = await resealHeld(hctx, recovered, fresh);
      assert.deepEqual(again.resealed, []);
      assert.deepEqual([...again.current].sort(), [h1, h2, g1].sort());
    });
  });
  test("a practitioner's rotation publishes the new key in the registry", async () => {
    const nctx: FlowContext = { chain, store: new MemoryBlobStore() };
    const old = (nurse.keys as KeyRing).keyAgreement(0).publicKey;
    await send(chain, chain.api.tx.practitioners!.register!('Nurse Synthetic', ['Nurse'], [], old), nurse.signer);
    const rotation = await rotateKeys(nctx, nurse, nurse.keys, 1, 'practitioner');
    const published = await practitioners.practitionerKey(chain, nurse.signer.address);
    assert.ok(published && equalBytes(published, (nurse.keys as KeyRing).keyAgreement(1).publicKey));
    assert.equal(rotation.actor.keyVersion, 1);
    assert.deepEqual([rotation.resealed, rotation.needsPatient, rotation.lostAccess], [[], [], []]);
    // The same key again is refused with the registry's reason.
    await rejectsWith(rotateKeys(nctx, rotation.actor, nurse.keys, 1, 'practitioner'), 'practitioners.SameKeyAgreementKey');
  });
});

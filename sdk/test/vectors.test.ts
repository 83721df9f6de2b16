// Checks the code against the test vectors checked in under vectors/ (FORMATS.md): each case
// is encoded again from its inputs and compared byte for byte, and decoded back to its inputs.
// A change of any format fails here; regenerate (`npm run vectors`) only with a new version.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';

import {
  BATCH_VERSION,
  batchKeyInfo,
  encodeBatch,
  leafHash,
  leafSaltOf,
  openBatchKey,
  parseBatch,
  SampleBatch,
  sealBatchKey,
  verifySampleProof,
  CONTENT_VERSION,
  commitmentOf,
  decodeDispenseToken,
  dispenseSecret,
  dispenseSecretHash,
  encodeDispenseToken,
  openPrescriptionKey,
  PRESCRIPTION_VERSION,
  type PrescriptionBinding,
  prescriptionInfo,
  sealPrescriptionKey,
  deriveSessionSecrets,
  dtlsBindingTag,
  SessionChannel,
  sessionInfo,
  verifyDtlsBinding,
  contentSizeClassFor,
  decryptContent,
  deriveKeyAgreementKey,
  deriveTagKey,
  ENVELOPE_VERSION,
  type EnvelopeBinding,
  envelopeInfo,
  encryptContent,
  fromHex,
  LOCATOR_VERSION,
  openEnvelope,
  openLocator,
  openRecoveryKit,
  OversizeError,
  parseEnvelope,
  RECOVERY_KIT_VERSION,
  type RecoveryBinding,
  recoveryInfo,
  sealEnvelope,
  sealLocator,
  sealRecoveryKit,
  seedFromRecoveryPhrase,
  sizeClassOf,
  tagOf,
  toHex,
} from '../src/index.ts';
import { buildVectors } from '../scripts/make-vectors.ts';

type Json = any;

function load(name: string): Json {
  return JSON.parse(readFileSync(new URL(`../vectors/${name}`, import.meta.url), 'utf8'));
}

/** A randomness source that returns `hex` once. */
function fixed(hex: string): (length: number) => Uint8Array {
  const bytes = fromHex(hex);
  let used = false;
  return (length) => {
    assert.ok(!used && length === bytes.length, 'unexpected randomness request');
    used = true;
    return bytes;
  };
}

function envelopeBinding(b: Json): EnvelopeBinding {
  return { genesisHash: fromHex(b.genesisHash), record: BigInt(b.record), version: b.version, grantee: fromHex(b.grantee) };
}

describe('test vectors', () => {
  test('tags.json: blinded tags (incl. docs/PRIVACY.md\'s)', () => {
    const v = load('tags.json');
    assert.ok(v.cases.length >= 2);
    for (const c of v.cases) assert.equal(toHex(tagOf(fromHex(v.tagKey), c.label)), c.tag, c.label);
    assert.equal(v.cases[0].tag, '0x7d9ec9148eed2bf4a6d34216e813eac5f4c3291dcb937af139f66bb9ddd48d41');
  });

  test('size-classes.json', () => {
    const v = load('size-classes.json');
    for (const c of v.cases) assert.equal(sizeClassOf(c.bytes), c.sizeClass, String(c.bytes));
    for (const c of v.contentCases) assert.equal(contentSizeClassFor(c.resourceLength), c.sizeClass, String(c.resourceLength));
    for (const bytes of v.outOfRange) assert.throws(() => sizeClassOf(bytes), OversizeError);
  });

  test('commitments.json', () => {
    const v = load('commitments.json');
    for (const c of v.cases) assert.equal(toHex(commitmentOf(fromHex(c.salt), fromHex(c.resource))), c.commitment);
  });

  test('content.json: encrypt again byte for byte, decrypt back', () => {
    const v = load('content.json');
    assert.equal(v.version, CONTENT_VERSION);
    for (const c of v.cases) {
      const key = fromHex(c.dataKey);
      const out = encryptContent(key, fromHex(c.resource), { salt: fromHex(c.salt), random: fixed(c.nonce) });
      assert.equal(toHex(out.ciphertext), c.ciphertext);
      assert.equal(out.sizeClass, c.sizeClass);
      assert.equal(toHex(out.commitment), c.commitment);
      assert.equal(toHex(out.ciphertextHash), c.ciphertextHash);
      const opened = decryptContent(key, fromHex(c.ciphertext));
      assert.equal(toHex(opened.resource), c.resource);
      assert.equal(toHex(opened.salt), c.salt);
      assert.equal(fromHex(c.ciphertext)[0], CONTENT_VERSION);
    }
  });

  test('locators.json: seal again byte for byte, open back', () => {
    const v = load('locators.json');
    assert.equal(v.version, LOCATOR_VERSION);
    for (const c of v.cases) {
      assert.equal(toHex(sealLocator(fromHex(c.dataKey), c.locator, fixed(c.nonce))), c.sealed);
      assert.equal(openLocator(fromHex(c.dataKey), fromHex(c.sealed)), c.locator);
    }
  });

  test('envelopes.json: seal again byte for byte with the fixed ephemeral key, open back', async () => {
    const v = load('envelopes.json');
    assert.equal(v.version, ENVELOPE_VERSION);
    for (const c of v.cases) {
      const binding = envelopeBinding(c.binding);
      assert.equal(toHex(envelopeInfo(binding)), c.info);
      const sealed = await sealEnvelope(fromHex(c.dataKey), fromHex(c.recipientPublicKey), c.keyVersion, binding, { ekm: fromHex(c.ekm) });
      assert.equal(toHex(sealed), c.envelope);
      assert.equal(parseEnvelope(fromHex(c.envelope)).keyVersion, c.keyVersion);
      assert.equal(toHex(await openEnvelope(fromHex(c.envelope), fromHex(c.recipientSecretKey), binding)), c.dataKey);
    }
  });

  test('keys.json: seeds, key-agreement keys and tag keys from the recovery phrases', () => {
    const v = load('keys.json');
    for (const c of v.cases) {
      const seed = seedFromRecoveryPhrase(c.phrase, c.passphrase);
      assert.equal(toHex(seed), c.seed);
      for (const k of c.keyAgreement) {
        const pair = deriveKeyAgreementKey(seed, k.keyVersion);
        assert.equal(toHex(pair.secretKey), k.secretKey);
        assert.equal(toHex(pair.publicKey), k.publicKey);
      }
      for (const t of c.tagKeys) assert.equal(toHex(deriveTagKey(seed, t.tagKeyVersion)), t.tagKey);
    }
  });

  test('prescriptions.json: seal, secrets and token again byte for byte, and back', async () => {
    const v = load('prescriptions.json');
    assert.equal(v.version, PRESCRIPTION_VERSION);
    for (const c of v.cases) {
      const content = fromHex(c.content);
      const salt = fromHex(c.salt);
      assert.equal(toHex(commitmentOf(salt, content)), c.commitment);
      const binding: PrescriptionBinding = {
        genesisHash: fromHex(c.binding.genesisHash), patient: fromHex(c.binding.patient),
        prescriber: fromHex(c.binding.prescriber), commitment: fromHex(c.binding.commitment),
      };
      assert.equal(toHex(prescriptionInfo(binding)), c.info);
      const key = { dataKey: fromHex(c.dataKey), dispenseSeed: fromHex(c.dispenseSeed), locator: c.locator };
      const sealed = await sealPrescriptionKey(key, fromHex(c.patientPublicKey), c.keyVersion, binding, { ekm: fromHex(c.ekm) });
      assert.equal(toHex(sealed), c.sealedKey);
      const opened = await openPrescriptionKey(fromHex(c.sealedKey), fromHex(c.patientSecretKey), binding);
      assert.deepEqual([toHex(opened.dataKey), toHex(opened.dispenseSeed), opened.locator], [c.dataKey, c.dispenseSeed, c.locator]);
      for (const f of c.fills) {
        assert.equal(toHex(dispenseSecret(key.dispenseSeed, f.fill)), f.secret);
        assert.equal(toHex(dispenseSecretHash(fromHex(f.secret))), f.hash);
      }
      const fill = c.fills.find((f: Json) => f.fill === c.token.fill);
      const token = {
        genesisHash: binding.genesisHash, prescription: BigInt(c.token.prescription), fill: c.token.fill,
        secret: fromHex(fill.secret), salt, content,
      };
      assert.equal(toHex(encodeDispenseToken(token)), c.token.encoded);
      assert.deepEqual(decodeDispenseToken(fromHex(c.token.encoded)), token);
    }
  });

  test('recovery.json: seal again byte for byte, open back', async () => {
    const v = load('recovery.json');
    assert.equal(v.version, RECOVERY_KIT_VERSION);
    for (const c of v.cases) {
      const binding: RecoveryBinding = {
        genesisHash: fromHex(c.binding.genesisHash), owner: fromHex(c.binding.owner), guardian: fromHex(c.binding.guardian),
      };
      assert.equal(toHex(recoveryInfo(binding)), c.info);
      const kit = await sealRecoveryKit(fromHex(c.seed), fromHex(c.guardianPublicKey), c.guardianKeyVersion, binding, { ekm: fromHex(c.ekm) });
      assert.equal(toHex(kit), c.kit);
      assert.equal(toHex(await openRecoveryKit(fromHex(c.kit), fromHex(c.guardianSecretKey), binding)), c.seed);
    }
  });

  test('batches.json: leaf salts, leaves, root, proofs, plaintext and sealed key again byte for byte', async () => {
    const v = load('batches.json');
    assert.equal(v.version, BATCH_VERSION);
    for (const c of v.cases) {
      const salt = fromHex(c.batchSalt);
      const samples = c.samples.map((s: Json) => ({ at: s.at, value: fromHex(s.value) }));
      samples.forEach((s: Json, i: number) => {
        assert.equal(toHex(leafSaltOf(salt, i)), c.leafSalts[i]);
        assert.equal(toHex(leafHash(i, leafSaltOf(salt, i), s)), c.leaves[i]);
      });
      const batch = SampleBatch.build(samples, { salt });
      assert.equal(toHex(batch.root), c.root);
      assert.equal(batch.from, c.from);
      assert.equal(batch.to, c.to);
      for (const p of c.proofs) {
        assert.equal(toHex(batch.proof(p.index)), p.proof);
        assert.ok(verifySampleProof(fromHex(c.root), samples[p.index], fromHex(p.proof), samples.length));
      }
      assert.equal(toHex(encodeBatch(BigInt(c.seq), batch)), c.batch);
      assert.equal(toHex(parseBatch(fromHex(c.batch)).batch.root), c.root);
      const binding = {
        genesisHash: fromHex(c.binding.genesisHash), device: fromHex(c.binding.device), patient: fromHex(c.binding.patient),
        seq: BigInt(c.binding.seq),
      };
      assert.equal(toHex(batchKeyInfo(binding)), c.info);
      assert.equal(toHex(await sealBatchKey(fromHex(c.dataKey), fromHex(c.patientPublicKey), c.keyVersion, binding, { ekm: fromHex(c.ekm) })), c.sealedKey);
      assert.equal(toHex(await openBatchKey(fromHex(c.sealedKey), fromHex(c.patientSecretKey), binding)), c.dataKey);
    }
  });

  test('sessions.json: keys, secrets, hellos, frames and the DTLS tag again byte for byte, opened back', () => {
    const v = load('sessions.json');
    for (const c of v.cases) {
      const patient = { secretKey: fromHex(c.patientSecretKey), publicKey: fromHex(c.patientPublicKey) };
      const doctor = { secretKey: fromHex(c.practitionerSecretKey), publicKey: fromHex(c.practitionerPublicKey) };
      const binding = { genesisHash: fromHex(c.genesisHash), consultation: BigInt(c.consultation) };
      const pinned = { patient: patient.publicKey, practitioner: doctor.publicKey };
      assert.equal(toHex(sessionInfo(binding, pinned)), c.info);
      for (const [role, mine] of [['patient', patient], ['practitioner', doctor]] as const) {
        const s = deriveSessionSecrets(role, mine, binding, pinned);
        assert.equal(toHex(s.patientToPractitioner), c.patientToPractitioner);
        assert.equal(toHex(s.practitionerToPatient), c.practitionerToPatient);
        assert.equal(toHex(s.fingerprint), c.fingerprint);
        assert.equal(toHex(s.confirm), c.confirm);
      }
      const pc = new SessionChannel('patient', patient, binding, pinned);
      const dc = new SessionChannel('practitioner', doctor, binding, pinned);
      assert.equal(pc.sas, c.sas);
      assert.equal(dc.fingerprintHex, c.fingerprintHex);
      assert.equal(toHex(pc.hello()), c.patientHello);
      assert.equal(toHex(dc.hello()), c.practitionerHello);
      pc.acceptHello(fromHex(c.practitionerHello));
      dc.acceptHello(fromHex(c.patientHello));
      for (const m of c.messages) {
        const [from, to] = m.from === 'patient' ? [pc, dc] : [dc, pc];
        assert.equal(toHex(from.seal(fromHex(m.plaintext))), m.frame);
        assert.equal(toHex(to.open(fromHex(m.frame))), m.plaintext);
      }
      assert.equal(toHex(dtlsBindingTag(pc, 'patient', fromHex(c.certificateFingerprint))), c.patientDtlsTag);
      assert.ok(verifyDtlsBinding(dc, fromHex(c.certificateFingerprint), fromHex(c.patientDtlsTag)));
    }
  });

  test('the checked-in files are exactly what scripts/make-vectors.ts writes', async () => {
    for (const [name, value] of Object.entries(await buildVectors())) {
      assert.deepEqual(load(name), JSON.parse(JSON.stringify(value)), name);
    }
  });
});

// The walk-through of README.md, run as a test: a patient adds a record, seals its key to
// themselves and a practitioner, the practitioner reads it, the patient re-keys after a
// revocation, rotates their key and recovers through a guardian. No chain: the values the
// chain would store are kept in local variables.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  ciphertextHashOf,
  DecryptionError,
  decryptAnchoredContent,
  encryptContent,
  type EnvelopeBinding,
  generateRecoveryPhrase,
  KeyRing,
  newDataKey,
  openLocator,
  recoverKeyRing,
  sealEnvelope,
  sealLocator,
  sealRecoveryKit,
  tagOf,
  utf8,
} from '../src/index.ts';
import { counting } from './helpers.ts';

test('README walk-through: add, seal, read, re-key, rotate, recover', async () => {
  // Keys: each person's own recovery phrase, not the signing wallet's.
  const patient = KeyRing.fromRecoveryPhrase(generateRecoveryPhrase());
  const doctor = KeyRing.fromRecoveryPhrase(generateRecoveryPhrase());
  const patientKey = patient.keyAgreement(0); // publicKey → records.registerPatient
  const doctorKey = doctor.keyAgreement(0); // publicKey → the practitioner's profile

  // What the chain tells the client (placeholders here).
  const genesisHash = counting(32, 0x20);
  const patientAccount = counting(32, 0x70);
  const doctorAccount = counting(32, 0x60);

  // Add a record: encrypt, store the blob somewhere, anchor the rest.
  const resource = utf8(JSON.stringify({ resourceType: 'Observation', id: 'walkthrough', status: 'final' }));
  const dataKey = newDataKey();
  const content = encryptContent(dataKey, resource);
  const blobStore = new Map<string, Uint8Array>([['blob-1', content.ciphertext]]);
  const onChain = {
    tag: tagOf(patient.tagKey(0), 'category/laboratory'),
    commitment: content.commitment,
    ciphertextHash: content.ciphertextHash,
    sizeClass: content.sizeClass,
    locator: sealLocator(dataKey, 'blob-1'),
    record: 1n, // Record.record, from the RecordAdded event
    version: 1, // Record.version
  };
  assert.equal(ciphertextHashOf(content.ciphertext).length, 32);

  // Envelopes: one for the patient, one for the doctor (after the consent).
  const bindingFor = (grantee: Uint8Array, version = onChain.version): EnvelopeBinding =>
    ({ genesisHash, record: onChain.record, version, grantee });
  const own = await sealEnvelope(dataKey, patientKey.publicKey, 0, bindingFor(patientAccount));
  const doctors = await sealEnvelope(dataKey, doctorKey.publicKey, 0, bindingFor(doctorAccount));

  // The doctor reads: envelope → data key → locator → blob → checked against the chain.
  const key = await doctor.openEnvelope(doctors, bindingFor(doctorAccount));
  const blob = blobStore.get(openLocator(key, onChain.locator)) as Uint8Array;
  const opened = decryptAnchoredContent(key, blob, onChain);
  assert.deepEqual(opened.resource, resource);
  // The doctor's envelope does not open for the patient's account, nor the patient's for his.
  await assert.rejects(doctor.openEnvelope(doctors, bindingFor(patientAccount)), DecryptionError);
  await assert.rejects(doctor.openEnvelope(own, bindingFor(doctorAccount)), DecryptionError);

  // Revoked, then re-keyed: the same resource and salt (same commitment) under a new key.
  const ownKey = await patient.openEnvelope(own, bindingFor(patientAccount));
  const { salt } = decryptAnchoredContent(ownKey, blob, onChain);
  const newKey = newDataKey();
  const rekeyed = encryptContent(newKey, resource, { salt });
  assert.deepEqual(rekeyed.commitment, onChain.commitment);
  const rekeyedOwn = await sealEnvelope(newKey, patientKey.publicKey, 0, bindingFor(patientAccount, 2));
  assert.throws(() => decryptAnchoredContent(key, rekeyed.ciphertext, { ...onChain, ciphertextHash: rekeyed.ciphertextHash }), DecryptionError);

  // The patient rotates to key version 1 and re-seals what they hold.
  const [rotated] = await patient.resealForRotation([{ envelope: rekeyedOwn, binding: bindingFor(patientAccount, 2) }], 1);
  assert.ok(rotated);
  assert.deepEqual(await patient.openEnvelope(rotated.envelope, rotated.binding), newKey);

  // Guardian recovery: the seed sealed to a guardian, handed back after the phrase is lost.
  const guardian = KeyRing.fromRecoveryPhrase(generateRecoveryPhrase());
  const recoveryBinding = { genesisHash, owner: patientAccount, guardian: counting(32, 0x80) };
  const kit = await sealRecoveryKit(patient.exportSeed(), guardian.keyAgreement(0).publicKey, 0, recoveryBinding);
  const recovered = await recoverKeyRing(kit, guardian, recoveryBinding);
  assert.deepEqual(await recovered.openEnvelope(rotated.envelope, rotated.binding), newKey);
});

// Writes the test vectors of every format (FORMATS.md) to vectors/*.json from fixed inputs:
// fixed keys, salts, nonces and HPKE ephemeral key material, so every byte is reproducible.
// Run with `npm run vectors` after a deliberate format change (and bump the format's version);
// test/vectors.test.ts checks the code against the files checked in.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  BATCH_VERSION,
  batchKeyInfo,
  encodeBatch,
  leafHash,
  leafSaltOf,
  SampleBatch,
  sealBatchKey,
  CONTENT_VERSION,
  commitmentOf,
  dispenseSecret,
  dispenseSecretHash,
  encodeDispenseToken,
  PRESCRIPTION_VERSION,
  prescriptionInfo,
  sealPrescriptionKey,
  deriveSessionSecrets,
  dtlsBindingTag,
  newSessionKeyPair,
  SESSION_VERSION,
  SessionChannel,
  sessionInfo,
  contentSizeClassFor,
  deriveKeyAgreementKey,
  deriveTagKey,
  ENVELOPE_VERSION,
  envelopeInfo,
  encryptContent,
  LOCATOR_VERSION,
  RECOVERY_KIT_VERSION,
  recoveryInfo,
  sealEnvelope,
  sealLocator,
  sealRecoveryKit,
  seedFromRecoveryPhrase,
  sizeClassOf,
  tagOf,
  toHex,
  utf8,
} from '../src/index.ts';

/** `length` bytes `start, start + 1, …` (mod 256). */
export function counting(length: number, start = 0): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (start + i) & 0xff);
}

/** A randomness source that returns `bytes` once (and refuses any other request). */
export function fixed(bytes: Uint8Array): (length: number) => Uint8Array {
  let used = false;
  return (length) => {
    if (used || length !== bytes.length) throw new Error('the vector asked for unexpected randomness');
    used = true;
    return bytes.slice();
  };
}

// Synthetic FHIR resources: no real person.
const RESOURCES = [
  '',
  JSON.stringify({ resourceType: 'Observation', id: 'vector-1', status: 'final', valueQuantity: { value: 42, unit: 'mmol/L' } }),
  JSON.stringify({ resourceType: 'Bundle', id: 'vector-2', type: 'collection', entry: Array.from({ length: 12 }, (_, i) => ({ resource: { resourceType: 'Observation', id: `vector-2-${i}`, valueInteger: i } })) }),
];

const PHRASE = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const LEGAL = 'legal winner thank year wave sausage worth useful legal winner thank yellow';

export async function buildVectors(): Promise<Record<string, unknown>> {
  const tagKey = counting(32);
  const tags = {
    format: 'blinded tag',
    definition: 'HMAC-SHA-256(tagKey, UTF-8("telemed/tag/v1/" ‖ label))',
    tagKey: toHex(tagKey),
    cases: ['category/laboratory', 'category/mental-health', 'category/encounter', 'type/Observation', 'type/DiagnosticReport']
      .map((label) => ({ label, tag: toHex(tagOf(tagKey, label)) })),
  };

  const sizeClasses = {
    format: 'size class',
    definition: 'the smallest k in 10..=40 with 2^k >= bytes; content: bytes = 77 + resource length',
    cases: [0, 1, 1024, 1025, 2048, 2049, 1_000_000, 2 ** 40].map((bytes) => ({ bytes, sizeClass: sizeClassOf(bytes) })),
    contentCases: [0, 947, 948, 1971, 1972, 1_000_000].map((resourceLength) => ({ resourceLength, sizeClass: contentSizeClassFor(resourceLength) })),
    outOfRange: [2 ** 40 + 1],
  };

  const commitments = {
    format: 'salted commitment',
    definition: 'blake2_256(salt (32) ‖ resource)',
    cases: RESOURCES.map((text, i) => {
      const salt = counting(32, 0x10 * (i + 1));
      return { salt: toHex(salt), resource: toHex(utf8(text)), commitment: toHex(commitmentOf(salt, utf8(text))) };
    }),
  };

  const content = {
    format: 'content',
    version: CONTENT_VERSION,
    definition: '0x01 ‖ nonce (24) ‖ XChaCha20-Poly1305(dataKey, nonce, aad = UTF-8("telemed/content") ‖ 0x01, salt ‖ u32 LE length ‖ resource ‖ zeros), exactly 2^sizeClass bytes',
    cases: RESOURCES.map((text, i) => {
      const dataKey = counting(32, 0xa0 + i);
      const salt = counting(32, 0x10 * (i + 1));
      const nonce = counting(24, 0x50 + i);
      const out = encryptContent(dataKey, utf8(text), { salt, random: fixed(nonce) });
      return {
        dataKey: toHex(dataKey), salt: toHex(salt), nonce: toHex(nonce), resource: toHex(utf8(text)),
        sizeClass: out.sizeClass, commitment: toHex(out.commitment), ciphertextHash: toHex(out.ciphertextHash),
        ciphertext: toHex(out.ciphertext),
      };
    }),
  };

  const locators = {
    format: 'sealed locator',
    version: LOCATOR_VERSION,
    definition: '0x02 ‖ nonce (24) ‖ XChaCha20-Poly1305(dataKey, nonce, aad = UTF-8("telemed/locator") ‖ 0x02, UTF-8(locator))',
    cases: [
      'ipfs://bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
      'https://gateway.example/blob/7f3a',
      'x'.repeat(215),
    ].map((locator, i) => {
      const dataKey = counting(32, 0xa0 + i);
      const nonce = counting(24, 0x70 + i);
      return { dataKey: toHex(dataKey), nonce: toHex(nonce), locator, sealed: toHex(sealLocator(dataKey, locator, fixed(nonce))) };
    }),
  };

  const recipient = deriveKeyAgreementKey(seedFromRecoveryPhrase(PHRASE), 0);
  const rotated = deriveKeyAgreementKey(seedFromRecoveryPhrase(PHRASE), 1);
  const envelopeCases = [
    { key: recipient, binding: { genesisHash: counting(32, 0x20), record: 1n, version: 1, grantee: counting(32, 0x60) } },
    { key: recipient, binding: { genesisHash: counting(32, 0x20), record: 2n ** 40n + 5n, version: 3, grantee: counting(32, 0x61) } },
    { key: rotated, binding: { genesisHash: counting(32, 0x21), record: 7n, version: 2, grantee: counting(32, 0x60) } },
  ];
  const envelopes = {
    format: 'key envelope',
    version: ENVELOPE_VERSION,
    definition: '0x01 ‖ keyVersion ‖ enc (32) ‖ ct (48); HPKE base mode DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305; info = UTF-8("telemed/envelope/v1") ‖ genesisHash ‖ u64 LE record ‖ u32 LE version ‖ grantee; aad = 0x01 ‖ keyVersion; ekm = the DeriveKeyPair input of the ephemeral key',
    cases: await Promise.all(envelopeCases.map(async ({ key, binding }, i) => {
      const dataKey = counting(32, 0xc0 + i);
      const ekm = counting(32, 0xe0 + i);
      return {
        recipientSecretKey: toHex(key.secretKey), recipientPublicKey: toHex(key.publicKey), keyVersion: key.keyVersion,
        binding: { genesisHash: toHex(binding.genesisHash), record: binding.record.toString(), version: binding.version, grantee: toHex(binding.grantee) },
        info: toHex(envelopeInfo(binding)), dataKey: toHex(dataKey), ekm: toHex(ekm),
        envelope: toHex(await sealEnvelope(dataKey, key.publicKey, key.keyVersion, binding, { ekm })),
      };
    })),
  };

  const keys = {
    format: 'key derivation',
    definition: 'seed = BIP-39 seed; secret(v) = HKDF-SHA-256(seed, salt = UTF-8("telemed/keys/v1"), info = UTF-8("telemed/key-agreement/") ‖ v, 32); public = X25519(secret, 9); tagKey(v) = HKDF-SHA-256(seed, same salt, UTF-8("telemed/tag-key/") ‖ v, 32)',
    cases: [{ phrase: PHRASE, passphrase: '' }, { phrase: LEGAL, passphrase: 'vector' }].map(({ phrase, passphrase }) => {
      const seed = seedFromRecoveryPhrase(phrase, passphrase);
      return {
        phrase, passphrase, seed: toHex(seed),
        keyAgreement: [0, 1, 255].map((v) => {
          const k = deriveKeyAgreementKey(seed, v);
          return { keyVersion: v, secretKey: toHex(k.secretKey), publicKey: toHex(k.publicKey) };
        }),
        tagKeys: [0, 1].map((v) => ({ tagKeyVersion: v, tagKey: toHex(deriveTagKey(seed, v)) })),
      };
    }),
  };

  const guardian = deriveKeyAgreementKey(seedFromRecoveryPhrase(LEGAL, 'vector'), 2);
  const ownerSeed = seedFromRecoveryPhrase(PHRASE);
  const rb = { genesisHash: counting(32, 0x20), owner: counting(32, 0x70), guardian: counting(32, 0x80) };
  const ekm = counting(32, 0xf0);
  const recovery = {
    format: 'guardian recovery kit',
    version: RECOVERY_KIT_VERSION,
    definition: '0x01 ‖ guardianKeyVersion ‖ enc (32) ‖ ct (80); HPKE as the envelope; info = UTF-8("telemed/recovery/v1") ‖ genesisHash ‖ owner ‖ guardian; aad = 0x01 ‖ guardianKeyVersion; plaintext = the 64-byte seed',
    cases: [{
      seed: toHex(ownerSeed), guardianSecretKey: toHex(guardian.secretKey), guardianPublicKey: toHex(guardian.publicKey),
      guardianKeyVersion: guardian.keyVersion,
      binding: { genesisHash: toHex(rb.genesisHash), owner: toHex(rb.owner), guardian: toHex(rb.guardian) },
      info: toHex(recoveryInfo(rb)), ekm: toHex(ekm),
      kit: toHex(await sealRecoveryKit(ownerSeed, guardian.publicKey, guardian.keyVersion, rb, { ekm })),
    }],
  };

  const batchSalt = counting(32, 0xa0);
  // Synthetic readings of nobody: heart rate as a JSON value, one a minute.
  const samples = [72, 75, 71, 80, 78].map((bpm, i) => ({ at: 1_800_000_000_000 + i * 60_000, value: utf8(JSON.stringify({ hr: bpm })) }));
  const batch = SampleBatch.build(samples, { salt: batchSalt });
  const patientKey = deriveKeyAgreementKey(seedFromRecoveryPhrase(PHRASE), 0);
  const bb = { genesisHash: counting(32, 0x20), device: counting(32, 0x90), patient: counting(32, 0x70), seq: 7n };
  const batchEkm = counting(32, 0xe0);
  const batches = {
    format: 'wearable batch',
    version: BATCH_VERSION,
    definition: {
      leafSalt: 'blake2_256(UTF-8("telemed/batch/v1/leaf-salt") ‖ batchSalt (32) ‖ u32 LE index)',
      leaf: 'blake2_256(0x00 ‖ UTF-8("telemed/batch/v1") ‖ u32 LE index ‖ leafSalt ‖ u64 LE at ‖ value)',
      node: 'blake2_256(0x01 ‖ left ‖ right); an odd last node of a level moves up unchanged',
      root: 'blake2_256(0x02 ‖ UTF-8("telemed/batch/v1") ‖ u32 LE count ‖ top)',
      proof: '0x01 ‖ u32 LE index ‖ u32 LE count ‖ leafSalt (32) ‖ siblings (32 each, leaf level first; none at a level where the node is the odd one out)',
      batch: '0x01 ‖ batchSalt (32) ‖ u64 LE seq ‖ u32 LE count ‖ count × (u64 LE at ‖ u16 LE length ‖ value)',
      sealedKey: '0x01 ‖ keyVersion ‖ enc (32) ‖ ct (48); HPKE as the envelope; info = UTF-8("telemed/batch-key/v1") ‖ genesisHash ‖ device ‖ patient ‖ u64 LE seq; aad = 0x01 ‖ keyVersion',
    },
    cases: [{
      batchSalt: toHex(batchSalt),
      seq: '7',
      samples: samples.map((s) => ({ at: s.at, value: toHex(s.value) })),
      leafSalts: samples.map((_, i) => toHex(leafSaltOf(batchSalt, i))),
      leaves: samples.map((s, i) => toHex(leafHash(i, leafSaltOf(batchSalt, i), s))),
      root: toHex(batch.root),
      from: batch.from,
      to: batch.to,
      proofs: [1, 4].map((index) => ({ index, proof: toHex(batch.proof(index)) })),
      batch: toHex(encodeBatch(7n, batch)),
      dataKey: toHex(counting(32, 0x55)),
      patientSecretKey: toHex(patientKey.secretKey),
      patientPublicKey: toHex(patientKey.publicKey),
      keyVersion: 0,
      binding: { genesisHash: toHex(bb.genesisHash), device: toHex(bb.device), patient: toHex(bb.patient), seq: '7' },
      info: toHex(batchKeyInfo(bb)),
      ekm: toHex(batchEkm),
      sealedKey: toHex(await sealBatchKey(counting(32, 0x55), patientKey.publicKey, 0, bb, { ekm: batchEkm })),
    }],
  };

  // Consultation session: two ephemeral keys from fixed secrets, both pinned.
  const patientSession = newSessionKeyPair(fixed(counting(32, 0xa0)));
  const doctorSession = newSessionKeyPair(fixed(counting(32, 0xc0)));
  const sessionBinding = { genesisHash: counting(32, 0x20), consultation: 42n };
  const pinned = { patient: patientSession.publicKey, practitioner: doctorSession.publicKey };
  const secrets = deriveSessionSecrets('patient', patientSession, sessionBinding, pinned);
  const pc = new SessionChannel('patient', patientSession, sessionBinding, pinned);
  const dc = new SessionChannel('practitioner', doctorSession, sessionBinding, pinned);
  const certificate = counting(32, 0x10);
  const sessions = {
    format: 'consultation session',
    version: SESSION_VERSION,
    definition: {
      okm: 'HKDF-SHA256(ikm = X25519(own secret, peer public), salt = UTF-8("telemed/session/v1"), info, L = 128)',
      info: 'UTF-8("telemed/session/v1") ‖ genesisHash (32) ‖ u64 LE consultation ‖ patientKey (32) ‖ practitionerKey (32)',
      secrets: 'patientToPractitioner = okm[0..32], practitionerToPatient = okm[32..64], fingerprint = okm[64..96], confirm = okm[96..128]',
      hello: '0x01 ‖ 0x01 ‖ role ‖ u64 LE consultation ‖ publicKey (32) ‖ HMAC-SHA256(confirm, UTF-8("telemed/session/v1/hello") ‖ role)',
      message: '0x01 ‖ 0x02 ‖ role ‖ u64 LE seq ‖ ChaCha20-Poly1305(key of the role\'s direction, nonce = 0 (4) ‖ u64 LE seq, aad = the first 11 bytes)',
      sas: 'big-endian u32 of fingerprint[0..4] mod 1 000 000, 6 digits',
      dtls: 'HMAC-SHA256(confirm, UTF-8("telemed/session/v1/dtls") ‖ role ‖ certificate SHA-256 fingerprint (32))',
    },
    cases: [{
      patientSecretKey: toHex(patientSession.secretKey),
      patientPublicKey: toHex(patientSession.publicKey),
      practitionerSecretKey: toHex(doctorSession.secretKey),
      practitionerPublicKey: toHex(doctorSession.publicKey),
      genesisHash: toHex(sessionBinding.genesisHash),
      consultation: '42',
      info: toHex(sessionInfo(sessionBinding, pinned)),
      patientToPractitioner: toHex(secrets.patientToPractitioner),
      practitionerToPatient: toHex(secrets.practitionerToPatient),
      fingerprint: toHex(secrets.fingerprint),
      confirm: toHex(secrets.confirm),
      sas: pc.sas,
      fingerprintHex: pc.fingerprintHex,
      patientHello: toHex(pc.hello()),
      practitionerHello: toHex(dc.hello()),
      messages: [
        { from: 'patient', seq: 0, plaintext: toHex(utf8('hello, doctor')), frame: toHex(pc.seal(utf8('hello, doctor'))) },
        { from: 'patient', seq: 1, plaintext: toHex(new Uint8Array()), frame: toHex(pc.seal(new Uint8Array())) },
        { from: 'practitioner', seq: 0, plaintext: toHex(utf8('hello')), frame: toHex(dc.seal(utf8('hello'))) },
      ],
      certificateFingerprint: toHex(certificate),
      patientDtlsTag: toHex(dtlsBindingTag(pc, 'patient', certificate)),
    }],
  };

  // Prescription: synthetic content of nobody, a fixed data key, seed, salt and HPKE ekm.
  const rxContent = utf8(JSON.stringify({ resourceType: 'MedicationRequest', status: 'active', intent: 'order', medicationCodeableConcept: { text: 'Example tablet 10 mg' }, dosageInstruction: [{ text: 'one a day' }] }));
  const rxSalt = counting(32, 0x30);
  const rxCommitment = commitmentOf(rxSalt, rxContent);
  const rxBinding = { genesisHash: counting(32, 0x20), patient: counting(32, 0x70), prescriber: counting(32, 0x60), commitment: rxCommitment };
  const rxKey = { dataKey: counting(32, 0x55), dispenseSeed: counting(32, 0xb0), locator: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy' };
  const rxEkm = counting(32, 0xd0);
  const rxSecrets = [1, 2, 3].map((fill) => dispenseSecret(rxKey.dispenseSeed, fill));
  const rxPrescriptions = {
    format: 'prescription',
    version: PRESCRIPTION_VERSION,
    definition: {
      sealedKey: '0x01 ‖ keyVersion ‖ enc (32) ‖ ct; HPKE as the envelope; info = UTF-8("telemed/prescription/v1") ‖ genesisHash ‖ patient ‖ prescriber ‖ commitment; aad = 0x01 ‖ keyVersion; plaintext = dataKey (32) ‖ dispenseSeed (32) ‖ UTF-8 locator (1..=142)',
      secret: 'HKDF-SHA256(ikm = dispenseSeed, salt = UTF-8("telemed/dispense/v1"), info = u32 LE fill, L = 32)',
      secretHash: 'blake2_256(secret)',
      token: '0x01 ‖ genesisHash (32) ‖ u64 LE prescription ‖ u32 LE fill ‖ secret (32) ‖ salt (32) ‖ content (0..=2048)',
    },
    cases: [{
      content: toHex(rxContent),
      salt: toHex(rxSalt),
      commitment: toHex(rxCommitment),
      patientSecretKey: toHex(patientKey.secretKey),
      patientPublicKey: toHex(patientKey.publicKey),
      keyVersion: 0,
      binding: { genesisHash: toHex(rxBinding.genesisHash), patient: toHex(rxBinding.patient), prescriber: toHex(rxBinding.prescriber), commitment: toHex(rxCommitment) },
      info: toHex(prescriptionInfo(rxBinding)),
      dataKey: toHex(rxKey.dataKey),
      dispenseSeed: toHex(rxKey.dispenseSeed),
      locator: rxKey.locator,
      ekm: toHex(rxEkm),
      sealedKey: toHex(await sealPrescriptionKey(rxKey, patientKey.publicKey, 0, rxBinding, { ekm: rxEkm })),
      fills: rxSecrets.map((secret, i) => ({ fill: i + 1, secret: toHex(secret), hash: toHex(dispenseSecretHash(secret)) })),
      token: {
        prescription: '7',
        fill: 2,
        encoded: toHex(encodeDispenseToken({ genesisHash: rxBinding.genesisHash, prescription: 7n, fill: 2, secret: rxSecrets[1]!, salt: rxSalt, content: rxContent })),
      },
    }],
  };

  return {
    'prescriptions.json': rxPrescriptions,
    'sessions.json': sessions,
    'batches.json': batches,
    'tags.json': tags,
    'size-classes.json': sizeClasses,
    'commitments.json': commitments,
    'content.json': content,
    'locators.json': locators,
    'envelopes.json': envelopes,
    'keys.json': keys,
    'recovery.json': recovery,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'vectors');
  mkdirSync(dir, { recursive: true });
  for (const [name, value] of Object.entries(await buildVectors())) {
    writeFileSync(join(dir, name), `${JSON.stringify(value, null, 2)}\n`);
    console.log(`wrote vectors/${name}`);
  }
}

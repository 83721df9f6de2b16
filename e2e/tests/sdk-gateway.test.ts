// Patient → practitioner through the SDK and a real gateway (issue 14): the patient (keys from an
// SDK recovery phrase) adds a FHIR resource (encrypt → store at the gateway, signed → anchor →
// own envelope), grants a licensed physician a consent and seals the data key to him; he reads
// (access_record → his envelope → fetch from the gateway over a signed challenge → hash, size
// class and commitment checked → decrypt). Then the patient revokes and re-keys: the gateway
// answers the revoked physician 403 for either version, and the data key he held opens neither
// the new version's locator nor its ciphertext. Runs on the shared node, with accounts of its own
// and a gateway of its own (Helia on loopback).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import '@polkadot/api-augment';
import type { ApiPromise } from '@polkadot/api';
import { startDevChain, stopDevChain, type DevChain } from '../lib/chain.ts';
import { funded } from '../lib/funding.ts';
import { cidOf, GatewayBlobStore, GatewayError, readBlob, startTestGateway, type TestGateway } from '../lib/gateway.ts';
import { fresh } from '../lib/keyring.ts';
import { licensedPhysician } from '../lib/practitioners.ts';
import {
  addResource, type Actor, ciphertextHashOf, commitmentOf, dataKeyOf, DecryptionError, decryptAnchoredContent,
  equalBytes, type FlowContext, generateRecoveryPhrase, grantAndSeal, KeyRing, openLocator, readRecord, records,
  refusal, registerPatient, rekeyRecord, revokeConsent, sdkChain, tagOf, type TelemedChain, utf8, type Written,
} from '../lib/sdk.ts';
import { UNITS } from '../lib/units.ts';

/** A synthetic FHIR Observation of nobody. */
const resource = utf8(JSON.stringify({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '718-7' }] },
  valueQuantity: { value: 13.2, unit: 'g/dL' },
}));

/** The gateway's refusal of `promise`: status and reason; fails if it was served. */
async function gatewayRefusal(promise: Promise<unknown>): Promise<{ status: number; reason: string }> {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof GatewayError, `a gateway refusal, not ${String(e)}`);
    return { status: e.status, reason: e.reason };
  }
  assert.fail('the gateway served the blob');
}

const FORBIDDEN = { status: 403, reason: 'forbidden' };

describe('patient to practitioner through the SDK and a gateway', { timeout: 300_000 }, () => {
  let chain: DevChain | undefined;
  let gateway: TestGateway | undefined;
  let api: ApiPromise;
  let sdk: TelemedChain;
  let patient: Actor;
  let doctor: Actor;
  const patientKeys = KeyRing.fromRecoveryPhrase(generateRecoveryPhrase());
  const doctorKeys = KeyRing.fromRecoveryPhrase(generateRecoveryPhrase());
  const tag = tagOf(patientKeys.tagKey(0), 'category/laboratory');
  let added: Written;
  let consentId = -1n;
  /** The data key the physician opened while his consent held. */
  let doctorsKey: Uint8Array | undefined;

  /** The flows' context for `actor`: the chain and the gateway as `actor` (reading `version`). */
  function as(actor: Actor, version?: bigint): FlowContext {
    const store = new GatewayBlobStore(gateway!.url, actor.signer, sdk.genesisHash);
    return { chain: sdk, store: version === undefined ? store : store.reading(version) };
  }

  /** `actor`'s read of version `id`'s blob `cid` at the gateway, over a fresh signed challenge. */
  function fetchAs(actor: Actor, id: bigint, cid: string): Promise<Uint8Array> {
    return readBlob(gateway!.url, actor.signer, sdk.genesisHash, id, cid);
  }

  before(async () => {
    chain = await startDevChain({ shared: true });
    api = chain.api;
    sdk = sdkChain(api);
    // The gateway starts while the accounts are made; whatever happens, `after` can stop it.
    const started = startTestGateway(chain.wsUrl).then((g) => {
      gateway = g;
    });
    const accounts = Promise.all([
      funded(api, 10n * UNITS),
      licensedPhysician(api, doctorKeys.keyAgreement(0).publicKey),
    ]);
    await Promise.allSettled([started, accounts]);
    await started;
    const [patientPair, doctorPair] = await accounts;
    patient = { signer: patientPair, keys: patientKeys };
    doctor = { signer: doctorPair, keys: doctorKeys };
  });

  after(async () => {
    await gateway?.stop();
    await stopDevChain(chain);
  });

  test('the patient adds a record: encrypted, stored at the gateway, anchored, with their own envelope', async () => {
    await registerPatient(as(patient), patient);
    added = await addResource(as(patient), patient, patient.signer.address, resource, tag, { purpose: 'Treatment' });

    // On chain: the blinded tag, the commitment, the ciphertext's hash and size class, and a
    // sealed locator; the gateway holds the ciphertext under its CID.
    const { version } = added;
    assert.ok(equalBytes(version.tag, tag));
    assert.equal(version.kind, 'Original');
    assert.match(added.locator, /^ipfs:\/\/baf/);
    assert.equal(openLocator(added.dataKey, version.locator), added.locator);
    const stored = await fetchAs(patient, added.id, cidOf(added.locator));
    assert.equal(stored.length, 2 ** version.sizeClass, 'padded to its size class');
    assert.ok(equalBytes(ciphertextHashOf(stored), version.ciphertextHash), 'the anchored hash is the stored blob\'s');
    assert.ok((await records.envelope(sdk, added.id, patient.signer.address)) !== null, 'the patient\'s own envelope');

    // The patient reads it back through the SDK and the gateway.
    const own = await readRecord(as(patient, added.id), patient, added.id, { access: false });
    assert.deepEqual(own.resource, resource);
  });

  test('before any consent the physician gets 403 from the gateway and no envelope on chain', async () => {
    assert.deepEqual(await gatewayRefusal(fetchAs(doctor, added.id, cidOf(added.locator))), FORBIDDEN);
    assert.equal(await refusal(records.accessRecord(sdk, doctor.signer, added.id)), 'records.NoEnvelope');
    // Nor does a stranger get anything.
    const stranger: Actor = { signer: fresh(), keys: KeyRing.fromRecoveryPhrase(generateRecoveryPhrase()) };
    assert.deepEqual(await gatewayRefusal(fetchAs(stranger, added.id, cidOf(added.locator))), FORBIDDEN);
  });

  test('the patient grants and seals; the physician reads through the chain and the gateway', async () => {
    const granted = await grantAndSeal(as(patient), patient, doctor.signer.address,
      { actions: ['Read'], scope: { Tags: [tag] }, purposes: ['Treatment'] }, [added.id], 'Treatment');
    consentId = granted.consent;
    assert.deepEqual(granted.sealed, [added.id]);

    // access_record (checked and logged) → his envelope → the gateway over a signed challenge →
    // hash, size class and commitment checked → decrypted.
    const read = await readRecord(as(doctor, added.id), doctor, added.id);
    assert.deepEqual(read.resource, resource);
    assert.ok(equalBytes(read.commitment, added.version.commitment));
    assert.ok(equalBytes(commitmentOf(read.salt, read.resource), added.version.commitment));
    doctorsKey = (await dataKeyOf(as(doctor), doctor, added.id)).dataKey;
    assert.ok(equalBytes(doctorsKey, added.dataKey));
  });

  test('after the revocation and a re-key: 403 at the gateway, and his old key opens nothing current', async () => {
    await revokeConsent(as(patient), patient, consentId);
    const oldCid = cidOf(added.locator);
    assert.deepEqual(await gatewayRefusal(fetchAs(doctor, added.id, oldCid)), FORBIDDEN);
    assert.equal(await refusal(records.accessRecord(sdk, doctor.signer, added.id)), 'records.NoEnvelope');

    // Re-keyed: the same commitment, a fresh data key, a new ciphertext at the gateway.
    const rekeyed = await rekeyRecord(as(patient, added.id), patient, added.id);
    assert.equal(rekeyed.version.kind, 'ReKey');
    assert.ok(equalBytes(rekeyed.version.commitment, added.version.commitment));
    const newCid = cidOf(rekeyed.locator);
    assert.notEqual(newCid, oldCid);

    // The gateway refuses him the new version and the replaced one.
    assert.deepEqual(await gatewayRefusal(fetchAs(doctor, rekeyed.id, newCid)), FORBIDDEN);
    assert.deepEqual(await gatewayRefusal(fetchAs(doctor, added.id, oldCid)), FORBIDDEN);
    assert.equal(await refusal(records.accessRecord(sdk, doctor.signer, rekeyed.id)), 'records.NoEnvelope');

    // Even with the new ciphertext in hand (the patient fetched it), the key he held opens
    // neither the new locator nor the new ciphertext.
    assert.ok(doctorsKey);
    assert.throws(() => openLocator(doctorsKey!, rekeyed.version.locator), DecryptionError);
    const blob = await fetchAs(patient, rekeyed.id, newCid);
    assert.throws(() => decryptAnchoredContent(doctorsKey!, blob, rekeyed.version), DecryptionError);

    // The patient reads the re-keyed version with their new envelope.
    const mine = await readRecord(as(patient, rekeyed.id), patient, rekeyed.id, { access: false });
    assert.deepEqual(mine.resource, resource);
  });
});

// Consent end to end: a patient grants a licensed physician a consent scoped to a blinded tag
// (a category keyed by the patient's tag key, from the SDK: the chain never learns which), a
// clinic's system checks the access through the runtime API, the physician's access is logged,
// and the patient — left with no free balance — revokes it free of fees, after which the check
// fails. Runs on the shared node, with accounts of its own.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import '@polkadot/api-augment';
import type { ApiPromise } from '@polkadot/api';
import { u8aToHex } from '@polkadot/util';
import { free } from '../lib/balances.ts';
import { startDevChain, stopDevChain, type DevChain } from '../lib/chain.ts';
import { eventOf } from '../lib/events.ts';
import { funded } from '../lib/funding.ts';
import { dev, type KeyringPair } from '../lib/keyring.ts';
import { licensedPhysician } from '../lib/practitioners.ts';
import { generateRecoveryPhrase, KeyRing, tagOf } from '../lib/sdk.ts';
import { submit, submitOk } from '../lib/tx.ts';
import { UNITS } from '../lib/units.ts';

describe('consent', () => {
  let chain: DevChain | undefined;
  let api: ApiPromise;
  let patient: KeyringPair;
  let doctor: KeyringPair;
  let consentId = -1;
  // The patient's keys (from a recovery phrase of their own, not the wallet's), their tag key and
  // two of their tags: what the chain sees of two categories.
  const patientKeys = KeyRing.fromRecoveryPhrase(generateRecoveryPhrase());
  const tagKey = patientKeys.tagKey(0);
  const laboratory = u8aToHex(tagOf(tagKey, 'category/laboratory'));
  const mentalHealth = u8aToHex(tagOf(tagKey, 'category/mental-health'));

  async function checkAccess(accessor: string): Promise<Record<string, unknown>> {
    const result = await api.call.consentApi.checkAccess(
      accessor, patient.address, 'Read', { Tag: laboratory }, 'Treatment');
    return result.toJSON() as Record<string, unknown>;
  }

  before(async () => {
    chain = await startDevChain({ shared: true });
    api = chain.api;
    const doctorKeys = KeyRing.fromRecoveryPhrase(generateRecoveryPhrase());
    [doctor, patient] = await Promise.all([
      licensedPhysician(api, doctorKeys.keyAgreement(0).publicKey),
      funded(api, 3n * UNITS),
    ]);
    // `logAccess` is only for registered patients.
    await submitOk(api, api.tx.records.registerPatient(patientKeys.keyAgreement(0).publicKey), patient);
  });

  after(async () => {
    await stopDevChain(chain);
  });

  test('without a consent the physician has no access', async () => {
    assert.deepEqual(await checkAccess(doctor.address), { err: { noConsent: null } });
  });

  test('the patient grants a consent and the runtime API confirms the access', async () => {
    const granted = await submitOk(api, api.tx.consent.grantConsent(
      patient.address, doctor.address, 'Permit', ['Read'], { Tags: [laboratory] },
      ['Treatment'], null, null), patient);
    assert.ok(granted.events.includes('consent.ConsentGranted'), granted.events.join(', '));
    consentId = eventOf(granted, 'consent.ConsentGranted')[0] as number;
    assert.deepEqual(await checkAccess(doctor.address), { ok: { consent: consentId } });

    const consents = (await api.call.consentApi.consents(patient.address)).toJSON() as { id: number; standing: string }[];
    assert.deepEqual(consents.map((c) => [c.id, c.standing]), [[consentId, 'InForce']]);
  });

  test('the physician logs the access and the patient sees it in the disclosure log', async () => {
    const { events } = await submitOk(api, api.tx.consent.logAccess(
      patient.address, 'Read', { Tag: laboratory }, 'Treatment'), doctor);
    assert.ok(events.includes('consent.Disclosed'), events.join(', '));
    const log = (await api.call.consentApi.disclosures(patient.address, 0, 10)).toJSON() as
      [number, { accessor: string; data: unknown; basis: unknown }][];
    assert.equal(log.length, 1);
    assert.equal(log[0][0], 0);
    assert.equal(log[0][1].accessor, doctor.address);
    assert.deepEqual(log[0][1].data, { tag: laboratory });
    assert.deepEqual(log[0][1].basis, { consent: consentId });

    // Anything outside the consent is refused with the reason.
    const { error } = await submit(api, api.tx.consent.logAccess(
      patient.address, 'Read', { Tag: mentalHealth }, 'Treatment'), doctor);
    assert.equal(error, 'consent.NoConsent');
  });

  test('a patient with no free balance revokes free of fees, and access stops', async () => {
    // Give away everything that can go: the account keeps only the existential deposit.
    const sink = dev('Eve');
    await submitOk(api, api.tx.balances.transferAll(sink.address, true), patient);
    const existential = api.consts.balances.existentialDeposit.toBigInt();
    assert.equal(await free(api, patient.address), existential);

    // An ordinary transaction cannot pay its fee now.
    await assert.rejects(
      submit(api, api.tx.balances.transferKeepAlive(sink.address, 1n), patient),
      /Inability to pay some fees|1010/,
    );

    const { events } = await submitOk(api, api.tx.consent.revokeConsent(consentId), patient);
    assert.ok(events.includes('consent.ConsentRevoked'), events.join(', '));
    assert.ok(events.includes('skipFeelessPayment.FeeSkipped'), events.join(', '));
    assert.equal(await free(api, patient.address), existential, 'no fee was taken');
    assert.deepEqual(await checkAccess(doctor.address), { err: { noConsent: null } });
  });
});

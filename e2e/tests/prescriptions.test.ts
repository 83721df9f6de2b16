// E-prescriptions end to end, with the SDK on the shared node and a real blob gateway: a licensed
// physician issues a prescription whose content is sealed to the patient and stored at the
// gateway; the patient opens it (chain + the gateway, which serves the blob whose hash the chain
// keeps to the patient and the prescriber only) and shows a dispense token; a licensed pharmacist checks the token against the chain and
// dispenses; the same secret is refused by the SDK's check and by the chain. Then a controlled
// substance (consent to the pharmacist, the refill interval), an amendment (the old version's
// token is dead, the new one carries the fill made), the patient's cancellation, and who may not
// dispense (a physician, the prescriber) or prescribe (a pharmacist).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import '@polkadot/api-augment';
import type { ApiPromise } from '@polkadot/api';
import { startDevChain, stopDevChain, type DevChain } from '../lib/chain.ts';
import { funded } from '../lib/funding.ts';
import { cidOf, GatewayError, readPrescriptionBlob, startTestGateway, type TestGateway } from '../lib/gateway.ts';
import { fresh } from '../lib/keyring.ts';
import { licensedPractitioner } from '../lib/practitioners.ts';
import {
  type Actor,
  amendPrescription,
  ciphertextHashOf,
  checkDispenseToken,
  consent,
  decodeDispenseToken,
  DispenseTokenError,
  encodeDispenseToken,
  dispenseTokenFor,
  dispenseWithToken,
  type FlowContext,
  generateRecoveryPhrase,
  issuePrescription,
  GatewayBlobStore,
  KeyRing,
  openPrescription,
  prescriptions,
  refusal,
  registerPatient,
  sdkChain,
  type TelemedChain,
  utf8,
} from '../lib/sdk.ts';
import { chainNow } from '../lib/tx.ts';
import { DAY, UNITS } from '../lib/units.ts';

/** Synthetic prescription content: no real person, no real product. */
function medicationRequest(text: string): Uint8Array {
  return utf8(JSON.stringify({
    resourceType: 'MedicationRequest', status: 'active', intent: 'order',
    medicationCodeableConcept: { text }, dosageInstruction: [{ text: 'one a day' }],
  }));
}

describe('prescriptions', () => {
  let chain: DevChain | undefined;
  let api: ApiPromise;
  let ctx: FlowContext;
  let patient: Actor;
  let doctor: Actor;
  let pharmacist: Actor;
  let gateway: TestGateway | undefined;
  let sdk: TelemedChain;

  /** The flows' context of `actor` at the gateway, reading prescription `reading`. */
  function as(actor: Actor, reading?: prescriptions.PrescriptionId): FlowContext {
    const store = new GatewayBlobStore(gateway!.url, actor.signer, sdk.genesisHash);
    return { chain: sdk, store: reading === undefined ? store : store.readingPrescription(reading) };
  }

  /** The gateway's refusal of `promise`, as `status reason`. */
  async function refused(promise: Promise<unknown>): Promise<string> {
    try {
      await promise;
    } catch (e) {
      assert.ok(e instanceof GatewayError, String(e));
      return `${e.status} ${e.reason}`;
    }
    return 'served';
  }

  async function problem(token: Uint8Array): Promise<string> {
    try {
      await checkDispenseToken(ctx, token);
    } catch (e) {
      assert.ok(e instanceof DispenseTokenError, String(e));
      return e.problem;
    }
    return 'accepted';
  }

  before(async () => {
    chain = await startDevChain({ shared: true });
    api = chain.api;
    sdk = sdkChain(api);
    const started = startTestGateway(chain.wsUrl).then((g) => {
      gateway = g;
    });
    const keys = () => KeyRing.fromRecoveryPhrase(generateRecoveryPhrase());
    const [patientKeys, doctorKeys, pharmacistKeys] = [keys(), keys(), keys()];
    const [patientPair, doctorPair, pharmacistPair] = await Promise.all([
      funded(api, 10n * UNITS),
      licensedPractitioner(api, doctorKeys.keyAgreement(0).publicKey, 'Physician'),
      licensedPractitioner(api, pharmacistKeys.keyAgreement(0).publicKey, 'Pharmacist'),
    ]);
    patient = { signer: patientPair, keys: patientKeys };
    doctor = { signer: doctorPair, keys: doctorKeys };
    pharmacist = { signer: pharmacistPair, keys: pharmacistKeys };
    await started;
    ctx = as(pharmacist);
    await registerPatient(as(patient), patient);
  });

  after(async () => {
    await gateway?.stop();
    await stopDevChain(chain);
  });

  test('issue → the patient decrypts → the pharmacist dispenses → the same secret is refused', async () => {
    const content = medicationRequest('Example tablet 10 mg, 30 tablets');
    const expiresAt = (await chainNow(api)) + 30 * DAY;
    const issued = await issuePrescription(as(doctor), doctor, patient.signer.address, content, { fills: 2, expiresAt });

    // On chain: the commitment, the sealed key, counts and times; no content.
    const stored = await prescriptions.stored(ctx.chain, issued.id);
    assert.ok(stored);
    assert.deepEqual(stored.commitment, issued.commitment);
    assert.equal(stored.patient, patient.signer.address);
    assert.equal(stored.prescriber, doctor.signer.address);
    assert.deepEqual([stored.fillsAllowed, stored.fillsUsed, stored.dispenseHashes.length], [2, 0, 2]);
    assert.ok(!Buffer.from(stored.locator).includes(Buffer.from('MedicationRequest')));
    const view = await prescriptions.view(ctx.chain, issued.id);
    assert.equal(view?.standing, 'Dispensable');
    assert.deepEqual((await prescriptions.prescriptionsOf(ctx.chain, patient.signer.address)).map(([id]) => id), [issued.id]);

    // The patient opens it: the content, checked against the commitment.
    const opened = await openPrescription(as(patient, issued.id), patient, issued.id);
    assert.deepEqual(opened.content, content);
    assert.equal(opened.nextFill, 1);
    // Nobody else can: the sealed key is the patient's.
    await assert.rejects(openPrescription(as(doctor, issued.id), doctor, issued.id));

    // The gateway serves the blob, the one whose hash the chain keeps, to the patient (above) and
    // the prescriber; not to the pharmacist (the token carries what they need) nor a stranger.
    const cid = cidOf(issued.locator);
    assert.ok(stored.ciphertextHash);
    const blob = await readPrescriptionBlob(gateway!.url, doctor.signer, sdk.genesisHash, issued.id, cid);
    assert.deepEqual(ciphertextHashOf(blob), stored.ciphertextHash);
    assert.equal(await refused(readPrescriptionBlob(gateway!.url, pharmacist.signer, sdk.genesisHash, issued.id, cid)), '403 forbidden');
    assert.equal(await refused(readPrescriptionBlob(gateway!.url, fresh(), sdk.genesisHash, issued.id, cid)), '403 forbidden');

    // At the pharmacy: the token for fill 1 checks out and is dispensed.
    const token = dispenseTokenFor(ctx, opened);
    const filled = await dispenseWithToken(ctx, pharmacist, token);
    assert.deepEqual([filled.fill, filled.remaining, filled.pharmacist], [1, 1, pharmacist.signer.address]);
    assert.deepEqual(filled.token.content, content);

    // The same token again: the SDK's check refuses it, and so does the chain.
    assert.equal(await problem(token), 'FillAlreadyMade');
    const secret = decodeDispenseToken(token).secret;
    assert.equal(await refusal(prescriptions.dispense(ctx.chain, pharmacist.signer, issued.id, secret)), 'prescriptions.SecretAlreadyUsed');

    // Fill 2 closes it: the prescription is gone from state, its secret refused after.
    const second = dispenseTokenFor(ctx, await openPrescription(as(patient, issued.id), patient, issued.id));
    assert.deepEqual([(await dispenseWithToken(ctx, pharmacist, second)).remaining], [0]);
    assert.equal(await prescriptions.stored(ctx.chain, issued.id), null);
    assert.equal(await problem(second), 'UnknownPrescription');
    // A closed prescription's blob is served to nobody.
    assert.equal(await refused(readPrescriptionBlob(gateway!.url, patient.signer, sdk.genesisHash, issued.id, cid)), '404 unknown_prescription');
    assert.equal(await refusal(prescriptions.dispense(ctx.chain, pharmacist.signer, issued.id, decodeDispenseToken(second).secret)),
      'prescriptions.UnknownPrescription');
  });

  test('a forged token (other content, a guessed secret) is refused before anything is sent, and by the chain', async () => {
    const expiresAt = (await chainNow(api)) + 30 * DAY;
    const issued = await issuePrescription(as(doctor), doctor, patient.signer.address, medicationRequest('Example 5 mg'), { fills: 1, expiresAt });
    const real = decodeDispenseToken(dispenseTokenFor(ctx, await openPrescription(as(patient, issued.id), patient, issued.id)));
    assert.equal(await problem(encodeDispenseToken({ ...real, content: medicationRequest('Example 50 mg') })), 'ContentMismatch');
    const guessed = new Uint8Array(32).fill(7);
    assert.equal(await problem(encodeDispenseToken({ ...real, secret: guessed })), 'WrongSecret');
    assert.equal(await refusal(prescriptions.dispense(ctx.chain, pharmacist.signer, issued.id, guessed)), 'prescriptions.WrongSecret');
    // The prescriber, a physician, is not a pharmacist: no filling of their own prescriptions.
    assert.equal(await refusal(prescriptions.dispense(ctx.chain, doctor.signer, issued.id, real.secret)), 'prescriptions.NotPharmacist');
    // A pharmacist does not prescribe.
    const stored = await prescriptions.stored(ctx.chain, issued.id);
    assert.ok(stored);
    assert.equal(await refusal(prescriptions.issue(ctx.chain, pharmacist.signer, patient.signer.address, {
      commitment: stored.commitment, ciphertextHash: new Uint8Array(32), locator: new Uint8Array(), fills: 1, expiresAt, controlled: false,
      dispenseHashes: [new Uint8Array(32).fill(1)],
    })), 'prescriptions.NotPrescriber');
    // The patient cancels: the token is dead.
    await prescriptions.cancel(ctx.chain, patient.signer, issued.id);
    assert.equal(await problem(encodeDispenseToken(real)), 'UnknownPrescription');
  });

  test('a controlled substance: the patient\'s consent to the pharmacist, then no early refill', async () => {
    const expiresAt = (await chainNow(api)) + 60 * DAY;
    const issued = await issuePrescription(as(doctor), doctor, patient.signer.address, medicationRequest('Example controlled 5 mg'),
      { fills: 2, expiresAt, controlled: true });
    const token = dispenseTokenFor(ctx, await openPrescription(as(patient, issued.id), patient, issued.id));
    // The token checks out, but without consent the chain refuses.
    assert.equal(await problem(token), 'accepted');
    assert.equal(await refusal(dispenseWithToken(ctx, pharmacist, token)), 'prescriptions.NoConsent');
    await consent.grantConsent(ctx.chain, patient.signer, patient.signer.address, pharmacist.signer.address,
      { actions: ['Read'], scope: 'AllData', purposes: ['Treatment'] });
    assert.equal((await dispenseWithToken(ctx, pharmacist, token)).fill, 1);
    // The refill: a week must pass. The view says when; the SDK's check and the chain refuse it.
    const view = await prescriptions.view(ctx.chain, issued.id);
    assert.ok(view?.nextFillNotBefore && view.nextFillNotBefore >= (view.lastFillAt ?? 0) + 7 * DAY);
    const refill = dispenseTokenFor(ctx, await openPrescription(as(patient, issued.id), patient, issued.id));
    assert.equal(await problem(refill), 'TooEarly');
    assert.equal(await refusal(prescriptions.dispense(ctx.chain, pharmacist.signer, issued.id, decodeDispenseToken(refill).secret)),
      'prescriptions.TooEarly');
  });

  test('an amendment: the old version\'s token is dead, the new version carries the fill made', async () => {
    const expiresAt = (await chainNow(api)) + 30 * DAY;
    const issued = await issuePrescription(as(doctor), doctor, patient.signer.address, medicationRequest('Example 20 mg'), { fills: 2, expiresAt });
    const first = await openPrescription(as(patient, issued.id), patient, issued.id);
    await dispenseWithToken(ctx, pharmacist, dispenseTokenFor(ctx, first));
    const oldToken = dispenseTokenFor(ctx, await openPrescription(as(patient, issued.id), patient, issued.id));

    // Only the prescriber amends; at least one more fill than made.
    const content = medicationRequest('Example 10 mg');
    assert.equal(await refusal(amendPrescription(as(pharmacist), pharmacist, issued.id, content, { fills: 3, expiresAt })), 'prescriptions.NotPermitted');
    assert.equal(await refusal(amendPrescription(as(doctor), doctor, issued.id, content, { fills: 1, expiresAt })), 'prescriptions.FillsNotAboveUsed');
    const amended = await amendPrescription(as(doctor), doctor, issued.id, content, { fills: 3, expiresAt });

    assert.equal(await problem(oldToken), 'UnknownPrescription');
    const opened = await openPrescription(as(patient, amended.id), patient, amended.id);
    assert.deepEqual(opened.content, content);
    // The gateway serves the new version's blob under its id, and not the old one's under either.
    const oldCid = cidOf(issued.locator);
    assert.equal(await refused(readPrescriptionBlob(gateway!.url, patient.signer, sdk.genesisHash, issued.id, oldCid)), '404 unknown_prescription');
    assert.equal(await refused(readPrescriptionBlob(gateway!.url, patient.signer, sdk.genesisHash, amended.id, oldCid)), '409 blob_mismatch');
    assert.deepEqual(
      ciphertextHashOf(await readPrescriptionBlob(gateway!.url, patient.signer, sdk.genesisHash, amended.id, cidOf(amended.locator))),
      opened.stored.ciphertextHash,
    );
    assert.deepEqual([opened.stored.fillsUsed, opened.stored.fillsAllowed, opened.stored.previous, opened.nextFill], [1, 3, issued.id, 2]);
    // The old version's secret for fill 2 is not the new one's.
    assert.equal(await refusal(prescriptions.dispense(ctx.chain, pharmacist.signer, amended.id, decodeDispenseToken(oldToken).secret)),
      'prescriptions.WrongSecret');
    const filled = await dispenseWithToken(ctx, pharmacist, dispenseTokenFor(ctx, opened));
    assert.deepEqual([filled.fill, filled.remaining], [2, 1]);
  });
});

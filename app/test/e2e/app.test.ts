// The web app end to end, in a real headless Chromium (Debian's, through playwright-core)
// against a real dev node and a real gateway started here on free loopback ports (the node with
// testing/node.ts, the gateway with its own `startGateway`, as e2e/lib/gateway.ts does), serving
// the built app (`vite build`, then `vite preview` with the gateway behind `/gateway`).
//
// A patient (//Charlie) and a clinician (the dev chain's licensed demo physician, //Bob) in two
// browser contexts: the patient creates a health key, registers, adds an Observation (encrypted
// in the page, stored at the gateway, anchored), opens it, and shares it with the clinician
// (licence status shown); the clinician sees his licence, opens the record and sees the
// decrypted content; the patient sees the read in the disclosure log, revokes; the clinician is
// refused (his key was removed with the consent). Then a visit: the clinician offers a service,
// the patient books it, he accepts, both start the secure session (a key each pinned on chain;
// the channel through the gateway's relay shows "verified" and the same safety code on both
// screens; messages both ways, none in the gateway's log), he marks it delivered, she pays.
// Then a prescription: the clinician prescribes for the patient, the patient opens it (its file
// from the gateway, served to her only) and shows the fill's dispense code (a QR code and its
// text); a pharmacist (//Dave, licensed as one by the demo board here through @polkadot/api: the
// app has no licensing screens) checks the code against the chain, sees the medication and
// dispenses; the same code again is refused before anything is sent.
// Every transaction is approved in the app's dialog, which shows the fee first.
// Screenshots of each screen go to test-results/screenshots/.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import { blake2AsU8a } from '@polkadot/util-crypto';
import { x25519 } from '@noble/curves/ed25519.js';
import type { Page } from 'playwright-core';
import { approve as approveIn, BOB, CHARLIE, DAY, included, shot, signIn as signInAt, startAppSuite, STEP, type AppSuite } from './harness.ts';

describe('the web app: patient and clinician', { timeout: 600_000 }, () => {
  let suite: AppSuite;
  let gatewayLines: string[];
  let patient: Page;
  let clinician: Page;

  before(async () => {
    suite = await startAppSuite('app');
    gatewayLines = suite.gatewayLines;
    [patient, clinician] = await Promise.all([suite.open(), suite.open()]);
  });

  after(async () => {
    await suite?.stop();
  });

  const approve = approveIn;
  const signIn = (page: Page, name: string) => signInAt(page, suite.url, name);

  test('the patient creates a health key, registers and adds an encrypted Observation', { timeout: 4 * STEP }, async () => {
    await signIn(patient, 'Charlie');
    await shot(patient, '01-accounts');
    await patient.getByTestId('health-key-create').click();
    assert.equal(await patient.getByTestId('new-phrase').locator('li').count(), 24);
    await shot(patient, '02-health-key-backup');
    assert.ok(await patient.getByTestId('phrase-use').isDisabled(), 'the key is used only once the backup is confirmed');
    await patient.getByTestId('phrase-backed-up').check();
    // Remembered in this browser, encrypted under a passcode (the last test reloads and unlocks it).
    await patient.locator('.phrase-box').getByTestId('remember').check();
    await patient.locator('.phrase-box').getByTestId('remember-passcode').fill('a passcode of the test');
    await patient.getByTestId('phrase-use').click();
    await patient.getByTestId('health-key-unlocked').waitFor();

    await patient.getByTestId('register').click();
    await approve(patient, 'records.registerPatient', '03-fee-before-signing');
    await patient.getByTestId('registered').waitFor();
    // Progress: in a block, then finalised (GRANDPA on the dev chain).
    await patient.locator('[data-testid=tx-item][data-call="records.registerPatient"][data-state=finalised]').waitFor();

    await patient.getByTestId('obs-value').fill('64');
    await patient.getByTestId('obs-add').click();
    await approve(patient, 'records.addRecord');
    await approve(patient, 'records.addEnvelope');
    const done = (await patient.getByTestId('add-record-done').textContent()) ?? '';
    assert.match(done, /Added record #\d+ \(Heart rate: 64 \/min\)/);
    await patient.getByTestId('record-row').first().waitFor();
    await patient.getByTestId('record-open').first().click();
    const content = (await patient.getByTestId('record-content').textContent()) ?? '';
    assert.match(content, /"value": 64/);
    assert.match(content, /8867-4/);
    await shot(patient, '04-patient-records');
    // The gateway stored a ciphertext and never logged a CID or a blob.
    assert.ok(gatewayLines.some((l) => l.includes('"status":201')), 'the ciphertext went through the gateway');
  });

  test('the patient grants the licensed clinician a consent and seals the record’s key to him', { timeout: 3 * STEP }, async () => {
    await patient.getByTestId('grantee').fill(BOB);
    await patient.getByTestId('grantee-licence').filter({ hasText: 'licensed (1 valid licence, emergency care)' }).waitFor();
    await patient.getByTestId('share-record').first().check();
    await patient.getByTestId('share-grant').click();
    await approve(patient, 'consent.grantConsent');
    await approve(patient, 'records.addEnvelope');
    assert.match((await patient.getByTestId('share-done').textContent()) ?? '', /Consent #\d+ granted; 1 record key sealed/);
    await patient.locator('[data-testid=consent-row][data-standing=inForce]').waitFor();
    await shot(patient, '05-patient-consents');
  });

  test('the clinician sees his licence and opens the shared record, decrypted', { timeout: 3 * STEP }, async () => {
    await signIn(clinician, 'Bob');
    await clinician.getByTestId('role-clinician').click();
    await clinician.getByTestId('health-key-dev').click();
    await clinician.getByTestId('licence-status').filter({ hasText: 'licensed' }).waitFor();
    assert.match((await clinician.getByTestId('licence-expiry').first().textContent()) ?? '', /^2036-01-01/);
    const row = clinician.locator(`[data-testid=shared-patient][data-patient="${CHARLIE}"]`);
    await row.waitFor();
    await row.getByTestId('shared-open').first().click();
    await approve(clinician, 'records.accessRecord');
    const content = (await clinician.getByTestId('clinician-record-content').textContent()) ?? '';
    assert.match(content, /Heart rate: 64 \/min/);
    assert.match(content, /"value": 64/);
    await shot(clinician, '06-clinician-record');
  });

  test('the patient sees the read in the disclosure log, and revokes; the clinician is refused', { timeout: 4 * STEP }, async () => {
    await patient.getByTestId('timeline-refresh').click();
    const read = patient.getByTestId('disclosure-row').filter({ hasText: 'Read' }).filter({ hasText: 'consent #' });
    await read.first().waitFor();
    const text = (await read.first().textContent()) ?? '';
    assert.match(text, /record #\d+/);
    assert.match(text, /Treatment/);
    assert.equal(await read.first().getAttribute('data-emergency'), 'false');
    await shot(patient, '07-patient-timeline');

    await patient.getByTestId('consent-revoke').first().click();
    const fee = await approve(patient, 'consent.revokeConsent');
    assert.match(fee, /refunded when it succeeds/);
    await patient.getByTestId('consent-done').waitFor();
    await patient.locator('[data-testid=consent-row][data-standing=revoked]').waitFor();

    // The clinician's list still shows the record: opening it again is refused by the chain.
    await clinician.getByTestId('shared-open').first().click();
    await approve(clinician, 'records.accessRecord');
    const refusal = (await clinician.getByTestId('clinician-open-error').textContent()) ?? '';
    // The revocation removed his envelope in the same call, so the chain refuses at the key
    // (as the SDK's integration test documents), in words.
    assert.match(refusal, /There is no key for you on this record version.*\(records\.NoEnvelope\)/);
    await shot(clinician, '08-clinician-refused');
    await clinician.getByTestId('shared-refresh').click();
    await clinician.getByTestId('shared-none').waitFor();
  });
  test('a visit: offered, booked, accepted, a verified end-to-end session through the relay, delivered and paid', { timeout: 8 * STEP }, async () => {
    await clinician.getByTestId('service-offer').click();
    await approve(clinician, 'billing.setService');
    await clinician.getByTestId('service-done').waitFor();

    await patient.getByTestId('book-practitioner').fill(BOB);
    await patient.getByTestId('book-minutes').fill('1');
    await patient.getByTestId('book-submit').click();
    const bookedAt = Date.now();
    await approve(patient, 'billing.book');
    assert.match((await patient.getByTestId('book-done').textContent()) ?? '', /Booked visit #\d+: 5 MED held/);

    await clinician.getByTestId('consultations-refresh').click();
    await clinician.locator('[data-testid=consultation-row][data-status=Requested]').getByTestId('consultation-accept').click();
    await approve(clinician, 'billing.accept');
    await clinician.locator('[data-testid=consultation-row][data-status=Accepted]').waitFor();

    // Each side pins a fresh key and opens the channel; the patient's waits for the clinician's key.
    await patient.getByTestId('consultations-refresh').click();
    await patient.locator('[data-testid=consultation-row][data-status=Accepted]').getByTestId('consultation-session').click();
    await patient.getByTestId('session-start').click();
    await approve(patient, 'billing.publishSessionKey');
    await clinician.locator('[data-testid=consultation-row][data-status=Accepted]').getByTestId('consultation-session').click();
    await clinician.getByTestId('session-start').click();
    await approve(clinician, 'billing.publishSessionKey');
    await patient.getByTestId('session-verified').waitFor();
    await clinician.getByTestId('session-verified').waitFor();
    const sas = await patient.getByTestId('session-sas').textContent();
    assert.match(sas ?? '', /^\d{6}$/);
    assert.equal(await clinician.getByTestId('session-sas').textContent(), sas, 'the same safety code on both screens');
    await patient.getByTestId('session-draft').fill('the cough is better since yesterday');
    await patient.getByTestId('session-send').click();
    await clinician.getByTestId('session-message-them').filter({ hasText: 'the cough is better since yesterday' }).waitFor();
    await clinician.getByTestId('session-draft').fill('good, finish the course');
    await clinician.getByTestId('session-send').click();
    await patient.getByTestId('session-message-them').filter({ hasText: 'good, finish the course' }).waitFor();
    await shot(patient, '09-patient-secure-session');
    await shot(clinician, '10-clinician-secure-session');
    // The relay carried frames only.
    assert.ok(gatewayLines.some((l) => l.includes('"event":"relay.opened"')));
    assert.ok(!gatewayLines.some((l) => l.includes('cough') || l.includes('course')));

    // After the visit's time: delivered, then confirmed and paid.
    const wait = bookedAt + 65_000 - Date.now();
    if (wait > 0) await clinician.waitForTimeout(wait);
    await clinician.getByTestId('consultation-deliver').click();
    await approve(clinician, 'billing.markDelivered');
    await clinician.getByTestId('consultation-done').waitFor();
    await patient.getByTestId('consultations-refresh').click();
    await patient.locator('[data-testid=consultation-row][data-status=Delivered]').getByTestId('consultation-pay').click();
    await approve(patient, 'billing.confirm');
    assert.match((await patient.getByTestId('consultation-done').textContent()) ?? '', /confirmed and paid/);
    await shot(patient, '11-patient-paid');
  });
  test('the key remembered in this browser is stored encrypted and opens with its passcode only', { timeout: STEP }, async () => {
    const stored = await patient.evaluate((address) => localStorage.getItem(`telemed.health-key.${address}`), CHARLIE);
    assert.ok(stored && stored.startsWith('{') && JSON.parse(stored).kdf === 'scrypt', 'a keystore, not a plain phrase');
    await signIn(patient, 'Charlie');
    await patient.getByTestId('remembered-passcode').fill('not the passcode');
    await patient.getByTestId('remembered-unlock').click();
    await patient.getByRole('alert').filter({ hasText: 'passcode does not open' }).waitFor();
    await patient.getByTestId('remembered-passcode').fill('a passcode of the test');
    await patient.getByTestId('remembered-unlock').click();
    await patient.getByTestId('health-key-unlocked').waitFor();
    await patient.getByTestId('registered').waitFor();
  });

  /** //Dave registered as a pharmacist and licensed by the demo board (//Ferdie), through @polkadot/api. */
  async function licensePharmacist(): Promise<void> {
    const { api } = suite;
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    const [dave, ferdie] = [keyring.addFromUri('//Dave'), keyring.addFromUri('//Ferdie')];
    await included(api.tx.practitioners!.register!('Pharmacist Demo', ['Pharmacist'], [], x25519.getPublicKey(x25519.utils.randomSecretKey())), dave);
    const now = (await api.query.timestamp!.now!()).toString();
    await included(api.tx.practitioners!.issueLicence!(dave.address, 'FR', 'Pharmacist', null, blake2AsU8a('salt|dave'), blake2AsU8a('evidence'),
      Number(now), Number(now) + 365 * DAY, false), ferdie);
  }

  test('a prescription: prescribed, opened by the patient, checked and dispensed once by a pharmacist', { timeout: 6 * STEP }, async () => {
    const pharmacist = await suite.open();
    const licensed = licensePharmacist();
    await clinician.getByTestId('prescribe-patient').fill(CHARLIE);
    await clinician.getByTestId('prescribe-medication').fill('Example tablet 10 mg');
    await clinician.getByTestId('prescribe-dosage').fill('one a day');
    await clinician.getByTestId('prescribe-fills').fill('2');
    await clinician.getByTestId('prescribe-submit').click();
    await approve(clinician, 'prescriptions.issue');
    assert.match((await clinician.getByTestId('prescribe-done').textContent()) ?? '',
      /Prescription #\d+ issued: Example tablet 10 mg — one a day — 30 per fill, 2 fills\./);
    await shot(clinician, '12-clinician-prescribed');

    await patient.getByTestId('prescriptions-refresh').click();
    const row = patient.getByTestId('prescription-row').first();
    await row.waitFor();
    assert.equal(await row.getByTestId('prescription-fills').textContent(), '0 of 2');
    await row.getByTestId('prescription-open').click();
    assert.equal(await patient.getByTestId('prescription-summary').textContent(), 'Example tablet 10 mg — one a day — 30 per fill');
    await patient.getByTestId('dispense-qr').locator('svg').waitFor();
    const code = await patient.getByTestId('dispense-code').inputValue();
    assert.match(code, /^[A-Za-z0-9_-]{200,}$/);
    await shot(patient, '13-patient-dispense-code');
    // The file came from the gateway, to the patient, on the prescription's own route.
    assert.ok(gatewayLines.some((l) => l.includes('"route":"/prescriptions/{id}/blob"') && l.includes('"status":200') && l.includes('"basis":"patient"')));

    await licensed;
    await signIn(pharmacist, 'Dave');
    await pharmacist.getByTestId('health-key-create').click();
    await pharmacist.getByTestId('phrase-backed-up').check();
    await pharmacist.getByTestId('phrase-use').click();
    await pharmacist.getByTestId('role-clinician').click();
    await pharmacist.getByTestId('licence-status').filter({ hasText: 'licensed' }).waitFor();
    await pharmacist.getByTestId('dispense-input').fill(code);
    await pharmacist.getByTestId('dispense-check').click();
    assert.equal(await pharmacist.getByTestId('dispense-summary').textContent(), 'Example tablet 10 mg — one a day — 30 per fill');
    await shot(pharmacist, '14-pharmacist-checked');
    await pharmacist.getByTestId('dispense-submit').click();
    await approve(pharmacist, 'prescriptions.dispense');
    assert.match((await pharmacist.getByTestId('dispense-done').textContent()) ?? '', /Fill 1 of prescription #\d+ dispensed; 1 left\./);
    // The same code again: refused by the check, nothing sent.
    await pharmacist.getByTestId('dispense-input').fill(code);
    await pharmacist.getByTestId('dispense-check').click();
    assert.match((await pharmacist.getByTestId('dispense-error').textContent()) ?? '', /dispensed already.*\(FillAlreadyMade\)/);
    assert.equal(await pharmacist.getByTestId('approve-dialog').count(), 0);

    await patient.getByTestId('prescriptions-refresh').click();
    await patient.getByTestId('prescription-fills').filter({ hasText: '1 of 2' }).waitFor();
  });
});

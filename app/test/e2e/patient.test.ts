// The patient's record versions, delegates, emergency custodian and break-glass reviews, and the
// prescriber's amending and cancelling, end to end: a real headless Chromium (Debian's, through
// playwright-core) against a real dev node and gateway started here (the set-up of app.test.ts:
// testing/node.ts, the gateway's own `startGateway`, `vite preview` of the build).
//
// A patient (//Charlie) and the demo physician (//Bob), one browser context each, acting at the
// same time where the story allows (the chain's 6-second blocks are the clock):
// - the patient creates a health key, registers, adds an Observation and a FHIR file, while
//   the physician prescribes three times for her;
// - she shares the Observation with him and amends it (he opens the new version decrypted; the
//   history shows two versions), cancels one prescription, and opens the amended one, while he
//   amends the first, cancels the third and sees his amendment of the one she cancelled refused
//   in words;
// - she revokes and re-keys (each step shown), shreds the file record (it no longer opens; the
//   chain keeps no locator), while he breaks the glass (through @polkadot/api: the app has no
//   break-glass screen);
// - she appoints //Dave as a delegate with two scopes and removes him, appoints //Eve (a key
//   service, registered with a key through @polkadot/api) as her emergency custodian and seals
//   her record key to it;
// - she sees the break-glass access highlighted with its disclosure and reviews it "not
//   justified": the review is recorded and his deposit is gone from his holds;
// - on the consent form she grants //Dave a DENY of all data for research and a permit to read
//   one category (vital signs) for treatment from tomorrow, after bad inputs refused in words
//   with nothing sent: both on chain as shown, and in her consents table in words.
// Every transaction is approved in the app's dialog, which shows the fee first. Screenshots go
// to test-results/screenshots/ (as app.test.ts's, prefixed `patient-`).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ApiPromise } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { blake2AsU8a } from '@polkadot/util-crypto';
import { x25519 } from '@noble/curves/ed25519.js';
import type { Page } from 'playwright-core';
import { PALLET_MESSAGES } from '../../src/errors.ts';
import { CALL_DESCRIPTIONS } from '../../src/transactions.ts';
import { approve as approveIn, BOB, CHARLIE, DAVE, DAY, EVE, included, shot as shotIn, signIn as signInAt, startAppSuite, STEP, type AppSuite } from './harness.ts';

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

function idIn(text: string | null, pattern: RegExp): string {
  const match = pattern.exec(text ?? '');
  assert.ok(match?.[1], `${pattern} in ${text}`);
  return match[1];
}

describe('the web app: the patient’s records, delegates, custodian and reviews; amending and cancelling prescriptions', { timeout: 600_000 }, () => {
  let suite: AppSuite;
  let api: ApiPromise;
  let pairs: Record<'bob' | 'eve', KeyringPair>;
  /** //Eve, the emergency key service, publishes a key (as a patient: records.register_patient's docs), while the rest starts. */
  let eveRegistered: Promise<unknown>;
  let patient: Page;
  let physician: Page;
  // What the tests pass on: record and prescription ids.
  let recordA = '';
  let recordB = '';
  const issued: string[] = [];

  before(async () => {
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    pairs = { bob: keyring.addFromUri('//Bob'), eve: keyring.addFromUri('//Eve') };
    suite = await startAppSuite('patient', (chain) =>
      included(chain.tx.records!.registerPatient!(x25519.getPublicKey(x25519.utils.randomSecretKey())), pairs.eve));
    ({ api, setUp: eveRegistered } = suite);
    [patient, physician] = await Promise.all([suite.open(), suite.open()]);
  });

  after(async () => {
    await suite?.stop();
  });

  /** This suite's screenshots are prefixed `patient-`. */
  const shot = (page: Page, name: string) => shotIn(page, `patient-${name}`);
  const approve = (page: Page, call: string, screenshot?: string) => approveIn(page, call, screenshot && `patient-${screenshot}`);
  const signIn = (page: Page, name: string) => signInAt(page, suite.url, name);

  /** Runs a test's body; when it fails, both pages are photographed (`patient-failed-…`) first. */
  function both(name: string, body: () => Promise<void>): () => Promise<void> {
    return async () => {
      try {
        await body();
      } catch (e) {
        await Promise.allSettled([shot(patient, `failed-${name}-patient`), shot(physician, `failed-${name}-physician`)]);
        throw e;
      }
    };
  }

  async function text(page: Page, testid: string): Promise<string> {
    return (await page.getByTestId(testid).textContent()) ?? '';
  }

  test('every sentence the app has for an error or a call names one the runtime has', () => {
    for (const code of Object.keys(PALLET_MESSAGES)) {
      const [pallet, name] = code.split('.') as [string, string];
      assert.ok(api.errors[pallet]?.[name], `${code} is an error of the runtime`);
    }
    for (const call of Object.keys(CALL_DESCRIPTIONS)) {
      const [pallet, name] = call.split('.') as [string, string];
      assert.ok(api.tx[pallet]?.[name], `${call} is a call of the runtime`);
    }
  });

  test('the patient registers and adds two records while the physician prescribes three times for her', { timeout: 5 * STEP }, both('setup', async () => {
    const patientSide = async () => {
      await signIn(patient, 'Charlie');
      await patient.getByTestId('health-key-create').click();
      await patient.getByTestId('phrase-backed-up').check();
      await patient.getByTestId('phrase-use').click();
      await patient.getByTestId('health-key-unlocked').waitFor();
      await patient.getByTestId('register').click();
      await approve(patient, 'records.registerPatient');
      await patient.getByTestId('registered').waitFor();

      await patient.getByTestId('obs-value').fill('64');
      await patient.getByTestId('obs-add').click();
      await approve(patient, 'records.addRecord');
      await approve(patient, 'records.addEnvelope');
      recordA = idIn(await text(patient, 'add-record-done'), /Added record #(\d+) \(Heart rate: 64 \/min\)/);

      // The second record from a FHIR file (no person in it).
      await patient.getByTestId('fhir-file').setInputFiles({
        name: 'allergy.json',
        mimeType: 'application/json',
        buffer: Buffer.from(JSON.stringify({ resourceType: 'AllergyIntolerance', code: { text: 'Example substance' } })),
      });
      await patient.getByTestId('file-add').click();
      await approve(patient, 'records.addRecord');
      await approve(patient, 'records.addEnvelope');
      recordB = idIn(await text(patient, 'add-record-done'), /Added record #(\d+) \(AllergyIntolerance\)/);
    };

    const physicianSide = async () => {
      await signIn(physician, 'Bob');
      await physician.getByTestId('role-clinician').click();
      await physician.getByTestId('health-key-dev').click();
      await physician.getByTestId('licence-status').filter({ hasText: 'licensed' }).waitFor();
      // Her key must be on chain before anything is sealed to her.
      while ((await api.call.recordsApi!.patient!(CHARLIE)).isEmpty) await new Promise((r) => setTimeout(r, 1000));
      for (const [medication, dosage, fills] of [['Example tablet 10 mg', 'one a day', '2'], ['Example syrup', 'five ml at night', '1'], ['Example cream', 'twice a day', '1']] as const) {
        await physician.getByTestId('prescribe-patient').fill(CHARLIE);
        await physician.getByTestId('prescribe-medication').fill(medication);
        await physician.getByTestId('prescribe-dosage').fill(dosage);
        await physician.getByTestId('prescribe-fills').fill(fills);
        await physician.getByTestId('prescribe-submit').click();
        await approve(physician, 'prescriptions.issue');
        issued.push(idIn(await text(physician, 'prescribe-done'), new RegExp(`Prescription #(\\d+) issued: ${medication}`)));
      }
      // His list: the three open ones, with their fills and standing.
      await physician.locator(`[data-testid=issued-row][data-prescription="${issued[2]}"]`).waitFor();
      assert.equal(await physician.getByTestId('issued-row').count(), 3);
      assert.equal(await physician.locator(`[data-testid=issued-row][data-prescription="${issued[0]}"]`).getByTestId('issued-fills').textContent(), '0 of 2');
      assert.equal(await physician.locator(`[data-testid=issued-row][data-prescription="${issued[0]}"]`).getByTestId('issued-standing').textContent(), 'can be dispensed');
      await shot(physician, '01-prescriber-issued');
    };

    await Promise.all([patientSide(), physicianSide()]);
  }));

  test('shared and amended: he opens the new version decrypted, the history shows two versions; prescriptions amended and cancelled, an amendment of a cancelled one refused in words', { timeout: 6 * STEP }, both('amend', async () => {
    const amendedRecord = deferred<string>();
    const amendedPrescription = deferred<string>();
    const cancelledByHer = deferred<void>();

    const patientSide = async () => {
      await patient.getByTestId('grantee').fill(BOB);
      await patient.getByTestId('grantee-licence').filter({ hasText: 'licensed (1 valid licence, emergency care)' }).waitFor();
      await patient.locator(`[data-testid=share-record][data-record="${recordA}"]`).check();
      await patient.getByTestId('share-grant').click();
      await approve(patient, 'consent.grantConsent');
      await approve(patient, 'records.addEnvelope');
      await patient.getByTestId('share-done').waitFor();

      // Amend from the same form: the new version is sealed to her and to him (he held the key).
      await patient.locator(`[data-testid=record-row][data-record="${recordA}"]`).getByTestId('record-amend').click();
      await patient.getByTestId('amend-obs-value').fill('72');
      await patient.getByTestId('amend-obs-add').click();
      await approve(patient, 'records.amendRecord', '02-amend-fee');
      await approve(patient, 'records.addEnvelope');
      await approve(patient, 'records.addEnvelope');
      const done = await text(patient, 'amend-done');
      assert.match(done, /version 2 is record #\d+ \(Heart rate: 72 \/min\); its key sealed to you and to 1 other reader\./);
      const next = idIn(done, /is record #(\d+)/);
      amendedRecord.resolve(next);
      await shot(patient, '03-amended');

      await patient.locator(`[data-testid=record-row][data-record="${next}"]`).getByTestId('record-history').click();
      const rows = patient.getByTestId('history-row');
      await rows.nth(1).waitFor();
      assert.equal(await rows.count(), 2);
      assert.deepEqual(
        [await rows.nth(0).getAttribute('data-kind'), await rows.nth(1).getAttribute('data-kind')],
        ['Original', 'Amendment'], 'oldest to newest');
      assert.equal(await rows.nth(0).getByTestId('history-author').textContent(), 'you');
      assert.match((await rows.nth(1).textContent()) ?? '', /current/);
      await shot(patient, '04-history');

      // She cancels the second prescription (he is amending it meanwhile).
      await patient.getByTestId('prescriptions-refresh').click();
      await patient.locator(`[data-testid=prescription-row][data-prescription="${issued[1]}"]`).getByTestId('prescription-cancel').click();
      assert.match(await text(patient, 'prescription-cancel-text'), /No pharmacy can dispense it.*cannot be undone/);
      await patient.getByTestId('prescription-cancel-yes').click();
      await approve(patient, 'prescriptions.cancel');
      await patient.getByTestId('prescription-open-done').filter({ hasText: `Prescription #${issued[1]} cancelled` }).waitFor();
      cancelledByHer.resolve();

      // She opens his amendment of the first: the new text.
      const amended = await amendedPrescription.promise;
      await patient.getByTestId('prescriptions-refresh').click();
      await patient.locator(`[data-testid=prescription-row][data-prescription="${amended}"]`).getByTestId('prescription-open').click();
      assert.equal(await text(patient, 'prescription-summary'), 'Example tablet 20 mg — one in the morning — 30 per fill');
      await shot(patient, '05-amended-prescription');
      assert.equal(await patient.locator(`[data-testid=prescription-row][data-prescription="${issued[0]}"]`).count(), 0, 'the old version is gone');
    };

    const physicianSide = async () => {
      // Amend the first prescription: a new version, new text.
      await physician.locator(`[data-testid=issued-row][data-prescription="${issued[0]}"]`).getByTestId('issued-amend').click();
      await physician.getByTestId('amend-medication').fill('Example tablet 20 mg');
      await physician.getByTestId('amend-dosage').fill('one in the morning');
      assert.equal(await physician.getByTestId('amend-fills').inputValue(), '2');
      await physician.getByTestId('amend-prescription-submit').click();
      await approve(physician, 'prescriptions.amend');
      const done = await text(physician, 'issued-done');
      assert.match(done, new RegExp(`Prescription #${issued[0]} amended: #\\d+ now reads Example tablet 20 mg — one in the morning — 30 per fill, 2 fills in all \\(0 made\\)`));
      amendedPrescription.resolve(idIn(done, /amended: #(\d+)/));

      // Cancel the third, after the confirmation.
      await physician.locator(`[data-testid=issued-row][data-prescription="${issued[2]}"]`).getByTestId('issued-cancel').click();
      assert.match(await text(physician, 'issued-cancel-text'), /No pharmacy can dispense it/);
      await physician.getByTestId('issued-cancel-yes').click();
      await approve(physician, 'prescriptions.cancel');
      await physician.getByTestId('issued-done').filter({ hasText: `Prescription #${issued[2]} cancelled` }).waitFor();
      await physician.locator(`[data-testid=issued-row][data-prescription="${issued[2]}"]`).waitFor({ state: 'detached' });

      // He starts amending the second; she cancels it before he sends: refused in words, nothing signed.
      await physician.locator(`[data-testid=issued-row][data-prescription="${issued[1]}"]`).getByTestId('issued-amend').click();
      await physician.getByTestId('amend-medication').fill('Example syrup');
      await physician.getByTestId('amend-dosage').fill('ten ml at night');
      await cancelledByHer.promise;
      await physician.getByTestId('amend-prescription-submit').click();
      const refusal = await text(physician, 'issued-error');
      assert.match(refusal, new RegExp(`Prescription #${issued[1]} is no longer open \\(fully dispensed, cancelled, amended already or expired\\): it cannot be amended`));
      assert.equal(await physician.getByTestId('approve-dialog').count(), 0);
      // His list reads the chain again: the cancelled one leaves it.
      await physician.locator(`[data-testid=issued-row][data-prescription="${issued[1]}"]`).waitFor({ state: 'detached' });
      await shot(physician, '06-amend-refused');

      // He opens the amended record: the new version, sealed to him by the amendment.
      const next = await amendedRecord.promise;
      await physician.getByTestId('shared-refresh').click();
      await physician.locator(`[data-testid=shared-open][data-record="${next}"]`).click();
      await approve(physician, 'records.accessRecord');
      const content = await text(physician, 'clinician-record-content');
      assert.match(content, new RegExp(`Record #${next}: Observation — Heart rate: 72 /min`));
      assert.match(content, /"value": 72/);
      recordA = next;
    };

    await Promise.all([patientSide(), physicianSide()]);
  }));

  test('revoked and re-keyed with each step shown; the file record shredded: it no longer opens, the chain keeps no locator; meanwhile he breaks the glass', { timeout: 5 * STEP }, both('rekey-shred', async () => {
    // //Bob opens a break-glass access to her data through @polkadot/api (his page sends nothing more).
    const brokeTheGlass = included(api.tx.consent!.openEmergencyAccess!(CHARLIE, blake2AsU8a('statement kept off chain by the test')), pairs.bob);

    await patient.locator('[data-testid=consent-row][data-standing=inForce]').getByTestId('consent-revoke').click();
    await approve(patient, 'consent.revokeConsent');
    await patient.locator('[data-testid=consent-row][data-standing=revoked]').waitFor();
    assert.deepEqual((await api.query.records!.envelopesOf!(CHARLIE, BOB)).toJSON(), [], 'the revocation removed his keys');

    await patient.getByTestId('records-refresh').click();
    await patient.locator(`[data-testid=record-row][data-record="${recordA}"]`).getByTestId('record-rekey').click();
    assert.equal(await text(patient, 'rekey-readers'), 'Keeps access: you');
    await patient.getByTestId('rekey-submit').click();
    await approve(patient, 'records.rekeyRecord');
    const done = await text(patient, 'rekey-done');
    assert.match(done, /Re-keyed: version 3 is record #\d+; the old key opens nothing current\. Kept: you only\./);
    const steps = (await patient.getByTestId('rekey-steps-step').allTextContents()).join('\n');
    for (const step of [/Checking who/, /Fetching the current ciphertext/, /storing the new ciphertext/, /forgetting the old ciphertext/, /Done: record #\d+ holds the same content/]) {
      assert.match(steps, step);
    }
    await shot(patient, '07-rekeyed');
    const rekeyed = idIn(done, /is record #(\d+)/);
    const old = (await api.query.records!.records!(recordA)).toJSON() as { live: { locator: string } };
    assert.equal(old.live.locator, '0x', 'the replaced version lost its locator');
    recordA = rekeyed;

    await patient.locator(`[data-testid=record-row][data-record="${recordB}"]`).getByTestId('record-shred').click();
    const warning = await text(patient, 'shred-text');
    assert.match(warning, /every key of every version/);
    assert.match(warning, /cannot be undone/);
    await shot(patient, '08-shred-confirm');
    await patient.getByTestId('shred-yes').click();
    const fee = await approve(patient, 'records.shredRecord');
    assert.match(fee, /refunded when it succeeds/);
    assert.match(await text(patient, 'shred-done'), new RegExp(`Record #${recordB} shredded`));
    const shredded = patient.locator(`[data-testid=shredded-row][data-record="${recordB}"]`);
    await shredded.waitFor();
    await patient.locator(`[data-testid=record-row][data-record="${recordB}"]`).waitFor({ state: 'detached' });
    await shredded.getByTestId('shredded-open').click();
    assert.match(await text(patient, 'shredded-open-error'), new RegExp(`Record #${recordB} was shredded on .*: no key or locator of it is left on chain, so it cannot be opened\\.`));
    await shot(patient, '09-shredded');
    const entry = (await api.query.records!.records!(recordB)).toJSON() as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(entry), ['shredded']);
    assert.deepEqual(Object.keys(entry.shredded!).sort(), ['at', 'commitment'], 'no locator, no envelope, no author left');
    assert.deepEqual((await api.call.recordsApi!.recordHistory!(recordB)).toJSON(), []);

    await brokeTheGlass;
  }));

  test('a delegate appointed with two scopes and removed; an emergency custodian appointed and her record key sealed to it', { timeout: 4 * STEP }, both('delegates', async () => {
    const lastDay = new Date(Date.now() + 30 * DAY).toISOString().slice(0, 10);
    assert.match(await text(patient, 'delegate-deposit'), /^Deposit: 0\.1 MED/);
    await patient.getByTestId('delegate-address').fill(DAVE);
    await patient.locator('[data-testid=delegate-scope][data-scope=ViewDisclosureLog]').check();
    await patient.locator('[data-testid=delegate-scope][data-scope=BookCare]').check();
    await patient.getByTestId('delegate-until-input').fill(lastDay);
    await patient.getByTestId('delegate-add').click();
    await approve(patient, 'consent.addDelegate');
    const row = patient.locator(`[data-testid=delegate-row][data-delegate="${DAVE}"]`);
    await row.waitFor();
    assert.equal(await row.getByTestId('delegate-scopes').textContent(), 'see who read my data (the disclosure log); book, confirm and cancel visits for me');
    assert.equal(await row.getByTestId('delegate-until').textContent(), `until ${new Date(Date.parse(lastDay) + DAY).toISOString().slice(0, 10)} 00:00:00 UTC`);
    const onChain = (await api.query.consent!.delegates!(CHARLIE, DAVE)).toJSON() as { scopes: string[]; until: number };
    assert.deepEqual(onChain.scopes.map((s) => s.toLowerCase()), ['viewdisclosurelog', 'bookcare']);
    assert.equal(onChain.until, Date.parse(lastDay) + DAY);
    await shot(patient, '10-delegates');
    await row.getByTestId('delegate-remove').click();
    await approve(patient, 'consent.removeDelegate');
    await patient.getByTestId('delegates-none').waitFor();
    assert.equal((await api.query.consent!.delegates!(CHARLIE, DAVE)).isEmpty, true);

    await eveRegistered;
    assert.match(await text(patient, 'custodian-explained'), /It cannot.*read your records/);
    await patient.getByTestId('custodian-address').fill(EVE);
    await patient.getByTestId('custodian-key').filter({ hasText: 'has published a key' }).waitFor();
    await patient.getByTestId('custodian-appoint').click();
    await approve(patient, 'consent.addDelegate');
    await approve(patient, 'records.addEnvelope');
    assert.match(await text(patient, 'custodian-done'), /Emergency custodian appointed until you remove them; 1 record key sealed to it\./);
    await patient.locator(`[data-testid=custodian-row][data-custodian="${EVE}"]`).getByTestId('custodian-holds').filter({ hasText: '1' }).waitFor();
    await patient.locator(`[data-testid=delegate-row][data-delegate="${EVE}"][data-custodian=true]`).waitFor();
    const custody = (await api.query.records!.envelopes!(recordA, EVE)).toJSON() as { purpose: string };
    assert.equal(custody.purpose.toLowerCase(), 'emergencytreatment');
    await shot(patient, '11-custodian');
  }));

  test('the break-glass access highlighted with its disclosure, reviewed "not justified": recorded, his deposit gone from his holds', { timeout: 3 * STEP }, both('review', async () => {
    const holds = async () => JSON.stringify((await api.query.balances!.holds!(BOB)).toJSON());
    assert.match(await holds(), /emergencyDeposit/i, 'his break-glass deposit is held');

    await patient.getByTestId('timeline-refresh').click();
    const row = patient.getByTestId('emergency-row').first();
    await row.waitFor();
    assert.match((await row.getAttribute('class')) ?? '', /emergency/);
    assert.equal(await row.getAttribute('data-review'), 'Pending');
    assert.equal(await row.getAttribute('data-open'), 'true');
    assert.equal(await row.getByTestId('emergency-standing').textContent(), 'OPEN');
    assert.match((await row.getByTestId('emergency-disclosures').textContent()) ?? '', /all data/);
    await patient.locator('[data-testid=disclosure-row][data-emergency=true]').first().waitFor();
    await shot(patient, '12-emergency-pending');

    await row.getByTestId('emergency-unjustified').click();
    assert.match(await text(patient, 'review-text'), /10 MED goes to the treasury.*closed at once/);
    await patient.getByTestId('review-yes').click();
    await approve(patient, 'consent.reviewEmergencyAccess');
    assert.match(await text(patient, 'emergency-done'), /reviewed as NOT justified: the practitioner’s 10 MED went to the treasury/);
    const reviewed = patient.locator('[data-testid=emergency-row][data-review=Unjustified]');
    await reviewed.waitFor();
    assert.equal(await reviewed.getByTestId('emergency-standing').textContent(), 'ended (closed by your review)');
    assert.equal(await reviewed.getByTestId('emergency-review').textContent(), 'reviewed: NOT justified');
    await shot(patient, '13-emergency-reviewed');
    assert.doesNotMatch(await holds(), /emergencyDeposit/i, 'his deposit is no longer held');
    assert.deepEqual((await api.call.consentApi!.pendingEmergencyReviews!(CHARLIE)).toJSON(), []);
  }));

  test('the consent form: a DENY of all data for research and a permit to read one category for treatment from tomorrow, to //Dave; on chain and in words', { timeout: 3 * STEP }, both('consent-form', async () => {
    const tomorrow = new Date(Date.now() + DAY).toISOString().slice(0, 10);
    const today = new Date().toISOString().slice(0, 10);
    const refused = async (message: RegExp) => {
      await patient.getByTestId('share-grant').click();
      await patient.getByTestId('share-error').filter({ hasText: message }).waitFor();
      assert.equal(await patient.getByTestId('approve-dialog').count(), 0, `nothing to sign after ${message}`);
    };
    await patient.getByTestId('grantee').fill(DAVE);
    await patient.getByTestId('grantee-licence').filter({ hasText: 'not a registered practitioner' }).waitFor();

    // The deny of all data, for research.
    await patient.locator('[data-testid=consent-decision][data-decision=Deny]').check();
    assert.match(await text(patient, 'consent-deny-explained'), /overrides any permit for what it covers/);
    await patient.locator('[data-testid=consent-cover][data-cover=all]').check();
    assert.match(await text(patient, 'consent-all-warning'), /every record you have and every record you add later/);
    await patient.locator('[data-testid=consent-action][data-action=Read]').uncheck();
    await refused(/Choose at least one action/);
    await patient.locator('[data-testid=consent-action][data-action=Read]').check();
    await patient.locator('[data-testid=consent-purpose][data-purpose=Treatment]').uncheck();
    await refused(/Choose at least one purpose/);
    await patient.locator('[data-testid=consent-purpose][data-purpose=Research]').check();
    assert.equal(await text(patient, 'consent-summary'), 'DENY: read — all data — for research — from now until revoked.');
    await shot(patient, '14-consent-deny');
    await patient.getByTestId('share-grant').click();
    await approve(patient, 'consent.grantConsent');
    const deny = idIn(await text(patient, 'share-done'), /^Consent #(\d+) granted: a DENY \(it overrides any permit for what it covers\); no key sealed\.$/);

    // The permit to read vital signs, for treatment, from tomorrow: no key can be sealed before it counts.
    await patient.locator('[data-testid=consent-decision][data-decision=Permit]').check();
    await patient.locator('[data-testid=consent-cover][data-cover=categories]').check();
    await refused(/Choose at least one category/);
    await patient.locator('[data-testid=consent-category][data-category="category/vital-signs"]').check();
    await patient.locator('[data-testid=consent-purpose][data-purpose=Research]').uncheck();
    await patient.locator('[data-testid=consent-purpose][data-purpose=Treatment]').check();
    await patient.getByTestId('consent-first-day').fill(tomorrow);
    await patient.getByTestId('consent-last-day').fill(today);
    await refused(/The last day is before the first day/);
    await patient.getByTestId('consent-last-day').fill('');
    assert.equal(await text(patient, 'consent-summary'), `Allow: read — category: vital signs — for treatment (care) — from ${tomorrow} 00:00:00 UTC until revoked.`);
    await patient.getByTestId('share-grant').click();
    await approve(patient, 'consent.grantConsent');
    const permit = idIn(await text(patient, 'share-done'), new RegExp(`^Consent #(\\d+) granted; no record key sealed\\. It starts ${tomorrow} 00:00:00 UTC: the record keys can be sealed once it counts`));

    // On chain as shown: the deny counts now (an access by Dave for research is refused), the permit from tomorrow's midnight.
    type Stored = { decision: string; actions: string[]; scope: Record<string, unknown>; purposes: string[]; start: number; end: number | null };
    const stored = async (id: string) => (await api.query.consent!.consents!(id)).toJSON() as Stored;
    const lower = (xs: string[]) => xs.map((x) => x.toLowerCase());
    const [d, p, record] = await Promise.all([stored(deny), stored(permit), api.query.records!.records!(recordA)]);
    assert.equal(d.decision.toLowerCase(), 'deny');
    assert.deepEqual(lower(d.actions), ['read']);
    assert.deepEqual(d.scope, { allData: null });
    assert.deepEqual(lower(d.purposes), ['research']);
    assert.ok(d.start <= Date.now() + 60_000 && d.end === null, `the deny counts from now: ${d.start}`);
    assert.equal(p.decision.toLowerCase(), 'permit');
    assert.deepEqual(lower(p.actions), ['read']);
    const vitalSigns = ((record.toJSON() as { live: { tag: string } }).live.tag).toLowerCase();
    assert.deepEqual(p.scope, { tags: [vitalSigns] }, 'the tag of her vital signs (her heart-rate record carries it)');
    assert.deepEqual(lower(p.purposes), ['treatment']);
    assert.equal(p.start, Date.parse(tomorrow));
    assert.equal(p.end, null);
    const check = (await api.call.consentApi!.checkAccess!(DAVE, CHARLIE, 'Read', 'AllData', 'Research')).toJSON() as { err?: unknown };
    assert.match(JSON.stringify(check.err), /explicitlyDenied/i);
    assert.deepEqual((await api.query.records!.envelopesOf!(CHARLIE, DAVE)).toJSON(), [], 'neither sealed a key');

    // Her consents table, in words.
    const row = (id: string) => patient.locator(`[data-testid=consent-row][data-consent="${id}"]`);
    await row(permit).waitFor();
    const words = async (id: string) => Promise.all(['consent-decision-words', 'consent-actions', 'consent-scope', 'consent-purposes', 'consent-period', 'consent-standing']
      .map(async (t) => (await row(id).getByTestId(t).textContent()) ?? ''));
    const [dw, pw] = await Promise.all([words(deny), words(permit)]);
    assert.deepEqual(dw.filter((_, i) => i !== 4), ['DENY', 'read', 'all data', 'research', 'in force']);
    assert.match(dw[4]!, /^since \d{4}-\d{2}-\d{2} [\d:]+ UTC until revoked$/);
    assert.deepEqual(pw, ['allow', 'read', 'category: vital signs', 'treatment (care)', `from ${tomorrow} 00:00:00 UTC until revoked`, 'not started']);
    await shot(patient, '15-consents-in-words');
  }));
});

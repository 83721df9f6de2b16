// The web app's insurer, break-glass and clinician-authored records, end to end: a real headless
// Chromium (Debian's, through playwright-core) against a real dev node and a real gateway
// started here, serving the built app (`vite preview`, the gateway behind `/gateway`), as
// app.test.ts does (its setup helpers are copied here: each suite has its own node).
//
// Governance (//Alice, sudo on the dev chain) registers //Dave as an insurer through
// @polkadot/api (the app has no governance screens). In the browser, one context per actor:
// the insurer funds its pool, refuses a withdrawal past what is free and makes a valid one,
// and issues a policy to the patient (//Charlie, who creates a health key and registers); the
// demo physician (//Bob) offers a service; the patient books two visits under the policy, he
// accepts both. While the visits' time comes: break-glass (Bob opens an emergency access to
// the patient with a statement, sees it listed, closes it; the chain holds only the
// statement's hash; //Eve, no practitioner, is refused in words with nothing sent), and a
// record added by the clinician (refused without a permit; the patient lets him add to a
// category; he adds an Observation, encrypted in his page; the patient opens it decrypted).
// Then the patient consents to the insurer handling payment, Bob delivers both visits, the
// patient confirms both; the insurer sees two pending claims with every check the chain made,
// approves one and denies the other with a reason of which the chain holds only the hash.
// Every transaction is approved in the app's dialog, which shows the fee first. Screenshots go
// to test-results/screenshots/ (insurer-*).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ApiPromise } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { blake2b } from '@noble/hashes/blake2.js';
import type { Page } from 'playwright-core';
import { approve, BOB, CHARLIE, createHealthKey, DAVE, included, shot, signIn as signInAt, startAppSuite, STEP, type AppSuite } from './harness.ts';
const STATEMENT = 'unconscious on arrival, allergy history needed before treatment';
const REASON = 'the visit code does not match the referral on file';

const hexOf = (text: string) => u8aToHex(new TextEncoder().encode(text)).slice(2);
const blake = (text: string) => u8aToHex(blake2b(new TextEncoder().encode(text), { dkLen: 32 }));

describe('the web app: insurer, break-glass and records added by a clinician', { timeout: 600_000 }, () => {
  let suite: AppSuite;
  let api: ApiPromise;
  let insurer: Page;
  let patient: Page;
  let clinician: Page;
  /** //Dave registered as an insurer by governance (sudo on the dev chain), through @polkadot/api, while the rest starts. */
  let registered: Promise<unknown>;
  /** The visits booked under the policy, with the time they are due (wall clock, ms). */
  const visits: { id: string; due: number }[] = [];

  before(async () => {
    suite = await startAppSuite('insurer', (chain) => {
      const alice = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//Alice');
      return included(chain.tx.sudo!.sudo!(chain.tx.billing!.registerInsurer!(DAVE, 'Example Mutual')), alice);
    });
    ({ api, setUp: registered } = suite);
    [insurer, patient, clinician] = await Promise.all([suite.open(), suite.open(), suite.open()]);
  });

  after(async () => {
    await suite?.stop();
  });

  const signIn = (page: Page, name: string) => signInAt(page, suite.url, name);

  /** Whether any block of the chain so far carries `text` in clear (its UTF-8 bytes). */
  async function onChainInClear(text: string): Promise<boolean> {
    const needle = hexOf(text);
    const head = (await api.rpc.chain.getHeader()).number.toNumber();
    for (let n = 1; n <= head; n++) {
      const block = await api.rpc.chain.getBlock(await api.rpc.chain.getBlockHash(n));
      if (block.block.toHex().includes(needle)) return true;
    }
    return false;
  }

  /** Books a visit in a minute under the policy; its id. */
  async function book(): Promise<string> {
    await patient.getByTestId('book-practitioner').fill(BOB);
    await patient.getByTestId('book-minutes').fill('1');
    await patient.getByTestId('consultations-refresh').click();
    await patient.locator('[data-testid=book-policy] option').nth(1).waitFor({ state: 'attached' });
    await patient.getByTestId('book-policy').selectOption({ index: 1 });
    await patient.getByTestId('book-submit').click();
    const due = Date.now() + 60_000;
    await approve(patient, 'billing.book');
    const done = patient.getByTestId('book-done');
    await done.waitFor();
    const text = (await done.textContent()) ?? '';
    // 80 % of the 5 MED price is the insurer's: the patient's share is held.
    const match = /^Booked visit #(\d+): 1 MED held until you confirm it took place; policy #\d+ pays 4 MED\.$/.exec(text);
    assert.ok(match, text);
    visits.push({ id: match[1]!, due });
    return match[1]!;
  }

  test('the insurer funds its pool and issues a policy; the patient books two visits under it; the physician accepts', { timeout: 5 * STEP }, async () => {
    await Promise.all([
      (async () => {
        await signIn(insurer, 'Dave');
        await insurer.getByTestId('role-insurer').click();
        await registered;
        await insurer.getByTestId('insurer-refresh').click();
        await insurer.getByTestId('insurer-name').filter({ hasText: 'Example Mutual' }).waitFor();
        await insurer.getByTestId('pool-amount').fill('100');
        await insurer.getByTestId('pool-fund').click();
        await approve(insurer, 'billing.fundPool');
        await insurer.getByTestId('insurer-pool').filter({ hasText: /^100 MED$/ }).waitFor();
        // More than is free: refused in words, nothing sent.
        await insurer.getByTestId('pool-amount').fill('150');
        await insurer.getByTestId('pool-withdraw').click();
        assert.match((await insurer.getByTestId('pool-error').textContent()) ?? '',
          /pool has too little.*At most 100 MED is free to withdraw now\. Nothing was sent\. \(billing\.InsufficientPool\)/);
        assert.equal(await insurer.getByTestId('approve-dialog').count(), 0);
        // A coverage past 100 % is refused by the form.
        await insurer.getByTestId('policy-patient').fill(CHARLIE);
        await insurer.getByTestId('policy-coverage').fill('150');
        await insurer.getByTestId('policy-issue').click();
        assert.match((await insurer.getByTestId('policy-issue-error').textContent()) ?? '', /above 0 % and at most 100 %/);
        await insurer.getByTestId('policy-coverage').fill('80');
        await insurer.getByTestId('policy-issue').click();
        await approve(insurer, 'billing.issuePolicy');
        assert.match((await insurer.getByTestId('policy-issue-done').textContent()) ?? '',
          /^Policy #\d+ issued: video-15 at 80 %, up to 100 MED a year, for 365 days\.$/);
        const row = insurer.getByTestId('policy-row').first();
        await row.waitFor();
        assert.equal(await row.getByTestId('policy-covered').textContent(), 'video-15');
        assert.equal(await row.getByTestId('policy-standing').textContent(), 'in force');
        await shot(insurer, 'insurer-01-pool-and-policy');
        // A withdrawal within what is free goes through.
        await insurer.getByTestId('pool-amount').fill('10');
        await insurer.getByTestId('pool-withdraw').click();
        await approve(insurer, 'billing.withdrawPool');
        await insurer.getByTestId('insurer-pool').filter({ hasText: /^90 MED$/ }).waitFor();
      })(),
      (async () => {
        await signIn(patient, 'Charlie');
        await createHealthKey(patient);
        await patient.getByTestId('register').click();
        await approve(patient, 'records.registerPatient');
        await patient.getByTestId('registered').waitFor();
      })(),
      (async () => {
        await signIn(clinician, 'Bob');
        await clinician.getByTestId('role-clinician').click();
        await clinician.getByTestId('health-key-dev').click();
        await clinician.getByTestId('service-offer').click();
        await approve(clinician, 'billing.setService');
        await clinician.getByTestId('service-done').waitFor();
      })(),
    ]);

    await patient.getByTestId('insurance-refresh').click();
    await patient.getByTestId('my-policy').first().waitFor();
    assert.match((await patient.getByTestId('my-policy').first().textContent()) ?? '', /Example Mutual.*video-15 at 80 %, up to 100 MED a year.*in force/);
    const first = await book();
    const accepted = (async () => {
      await clinician.getByTestId('consultations-refresh').click();
      await clinician.locator(`[data-testid=consultation-row][data-id="${first}"] [data-testid=consultation-accept]`).click();
      await approve(clinician, 'billing.accept');
    })();
    const second = await book();
    await accepted;
    await clinician.getByTestId('consultations-refresh').click();
    await clinician.locator(`[data-testid=consultation-row][data-id="${second}"] [data-testid=consultation-accept]`).click();
    await approve(clinician, 'billing.accept');
    await clinician.locator('[data-testid=consultation-row][data-status=Accepted]').nth(1).waitFor();
    await insurer.getByTestId('insurer-refresh').click();
    // Both insurer shares are promised from the pool until the claims are answered.
    await insurer.getByTestId('insurer-committed').filter({ hasText: /^8 MED$/ }).waitFor();
  });

  test('break-glass: the physician opens an emergency access with a statement (only its hash on chain), sees it, closes it; a non-practitioner is refused', { timeout: 3 * STEP }, async () => {
    const eve = await suite.open();
    const refused = (async () => {
      await signIn(eve, 'Eve');
      await eve.getByTestId('role-clinician').click();
      await createHealthKey(eve);
      await eve.getByTestId('emergency-patient').fill(CHARLIE);
      await eve.getByTestId('emergency-statement').fill(STATEMENT);
      await eve.getByTestId('emergency-open').click();
      const error = (await eve.getByTestId('emergency-error').textContent()) ?? '';
      assert.match(error, /^Refused: break-glass needs a valid licence endorsed for emergency care, and you hold none\. This account is not a registered practitioner\. Nothing was sent\. \(consent\.NotEmergencyPractitioner\)$/);
      assert.equal(await eve.getByTestId('approve-dialog').count(), 0, 'nothing to sign');
      await shot(eve, 'insurer-05-break-glass-refused');
      await eve.context().close();
    })();

    const terms = (await clinician.getByTestId('emergency-terms').filter({ hasText: 'deposit' }).textContent()) ?? '';
    assert.match(terms, /holds a 10 MED deposit .* lasts 4 hours/);
    await clinician.getByTestId('emergency-none').waitFor();
    // Too short a statement is refused before anything is sent.
    await clinician.getByTestId('emergency-patient').fill(CHARLIE);
    await clinician.getByTestId('emergency-statement').fill('urgent');
    await clinician.getByTestId('emergency-open').click();
    assert.match((await clinician.getByTestId('emergency-error').textContent()) ?? '', /at least 10 characters/);
    await clinician.getByTestId('emergency-statement').fill(STATEMENT);
    await clinician.getByTestId('emergency-open').click();
    // The dialog says it again before signing.
    await clinician.getByTestId('approve-dialog').filter({ hasText: 'for 4 hours' }).filter({ hasText: 'a 10 MED deposit' }).waitFor();
    await approve(clinician, 'consent.openEmergencyAccess', 'insurer-03-break-glass-fee');
    const done = (await clinician.getByTestId('emergency-done').textContent()) ?? '';
    const id = /^Emergency access #(\d+) is open\./.exec(done)?.[1];
    assert.ok(id, done);
    const row = clinician.locator(`[data-testid=emergency-row][data-access="${id}"][data-open=true]`);
    await row.waitFor();
    assert.equal(await row.getByTestId('emergency-standing').textContent(), 'open (review pending)');
    await row.getByTestId('emergency-statement-save').waitFor();
    await shot(clinician, 'insurer-04-break-glass-open');

    // The chain holds the statement's blake2b-256 hash, and no block carries its text.
    const access = (await api.query.consent!.emergencyAccesses!(Number(id))).toJSON() as { statement: string; patient: string };
    assert.equal(access.statement, blake(STATEMENT));
    assert.equal(access.patient, CHARLIE);
    assert.equal(await onChainInClear(STATEMENT), false, 'the statement never went on chain in clear');

    await row.getByTestId('emergency-close').click();
    await approve(clinician, 'consent.closeEmergencyAccess');
    await clinician.getByTestId('emergency-none').waitFor();
    const closed = (await api.query.consent!.emergencyAccesses!(Number(id))).toJSON() as { closedAt: number | null };
    assert.ok(closed.closedAt !== null, 'closed on chain');
    await refused;
  });

  test('a record added by the clinician: refused without a permit; under the patient’s Append permit, encrypted, and opened by the patient', { timeout: 4 * STEP }, async () => {
    await clinician.getByTestId('clinician-add-patient').fill(CHARLIE);
    await clinician.getByTestId('clinician-add-permits').filter({ hasText: 'no permit' }).waitFor();
    await clinician.getByTestId('clinician-obs-kind').selectOption('body-temperature');
    await clinician.getByTestId('clinician-obs-value').fill('38.4');
    await clinician.getByTestId('clinician-obs-add').click();
    assert.match((await clinician.getByTestId('clinician-add-error').textContent()) ?? '',
      /^Refused: no consent of the patient allows this access now .* This patient has given you no permit to add records: .* Nothing was sent\. \(records\.NoConsent\)$/);
    assert.equal(await clinician.getByTestId('approve-dialog').count(), 0);
    await shot(clinician, 'insurer-06-add-record-refused');

    await patient.getByTestId('append-grantee').fill(BOB);
    await patient.getByTestId('append-grantee-licence').filter({ hasText: 'licensed' }).waitFor();
    await patient.getByTestId('append-category').selectOption({ label: 'vital signs' });
    await patient.getByTestId('append-grant').click();
    await approve(patient, 'consent.grantConsent');
    assert.match((await patient.getByTestId('append-done').textContent()) ?? '', /^Consent #\d+: the clinician may add records to “vital signs”\.$/);
    const consentRow = patient.getByTestId('consent-row').filter({ hasText: 'category: vital signs' });
    await consentRow.waitFor();
    assert.match((await consentRow.textContent()) ?? '', /read, append.*treatment/i);

    await clinician.getByTestId('clinician-add-refresh').click();
    await clinician.getByTestId('clinician-add-permits').filter({ hasText: 'lets you add records to 1 category' }).waitFor();
    await clinician.getByTestId('clinician-obs-value').fill('38.4');
    await clinician.getByTestId('clinician-obs-add').click();
    await approve(clinician, 'records.addRecord');
    await approve(clinician, 'records.addEnvelope');
    await approve(clinician, 'records.addEnvelope');
    await approve(clinician, 'consent.logAccess');
    const done = (await clinician.getByTestId('clinician-add-done').textContent()) ?? '';
    const id = /^Added record #(\d+) \(Body temperature: 38\.4 Cel\)/.exec(done)?.[1];
    assert.ok(id, done);
    await shot(clinician, 'insurer-07-clinician-added-record');
    // The value went through the gateway encrypted, never in clear on chain.
    assert.equal(await onChainInClear('Body temperature'), false);

    await patient.getByTestId('records-refresh').click();
    const row = patient.locator(`[data-testid=record-row][data-record="${id}"]`);
    await row.waitFor();
    await row.getByTestId('record-open').click();
    const content = (await patient.getByTestId('record-content').textContent()) ?? '';
    assert.match(content, /Body temperature: 38\.4 Cel/);
    assert.match(content, /8310-5/);
    await patient.getByTestId('timeline-refresh').click();
    await patient.getByTestId('disclosure-row').filter({ hasText: `record #${id}` }).filter({ hasText: 'Append' }).waitFor();
    await shot(patient, 'insurer-08-patient-opened-clinician-record');
  });

  test('the patient consents to payment; visits delivered and confirmed; the insurer sees the checks, approves one claim and denies the other (only the reason’s hash on chain)', { timeout: 6 * STEP }, async () => {
    assert.equal(visits.length, 2);
    const [first, second] = visits as [{ id: string; due: number }, { id: string; due: number }];
    await patient.getByTestId('insurance-refresh').click();
    await patient.getByTestId('payment-consent-grant').click();
    await approve(patient, 'consent.grantConsent');
    await patient.getByTestId('payment-consent-given').waitFor();
    await shot(patient, 'insurer-02-patient-insurance');

    for (const visit of [first, second]) {
      const wait = visit.due + 5_000 - Date.now();
      if (wait > 0) await clinician.waitForTimeout(wait);
      await clinician.getByTestId('consultations-refresh').click();
      await clinician.locator(`[data-testid=consultation-row][data-id="${visit.id}"] [data-testid=consultation-deliver]`).click();
      await approve(clinician, 'billing.markDelivered');
      await clinician.getByTestId('consultation-done').filter({ hasText: `Visit #${visit.id} marked delivered.` }).waitFor();
      await patient.getByTestId('consultations-refresh').click();
      await patient.locator(`[data-testid=consultation-row][data-id="${visit.id}"][data-status=Delivered] [data-testid=consultation-pay]`).click();
      await approve(patient, 'billing.confirm');
      await patient.getByTestId('consultation-done').filter({ hasText: `Visit #${visit.id} confirmed and paid.` }).waitFor();
    }

    await insurer.getByTestId('claims-refresh').click();
    const claimA = insurer.locator(`[data-testid=claim-pending][data-consultation="${first.id}"]`);
    const claimB = insurer.locator(`[data-testid=claim-pending][data-consultation="${second.id}"]`);
    await claimA.waitFor();
    await claimB.waitFor();
    assert.match((await claimA.locator('h3').textContent()) ?? '', new RegExp(`^Claim #\\d+: 4 MED for visit #${first.id}$`));
    assert.equal(await claimA.getByTestId('claim-service').textContent(), 'video-15');
    // Every check the chain made, in words, each passed: that is what pending means.
    const checks = claimA.getByTestId('claim-check');
    assert.equal(await checks.count(), 6);
    assert.equal(await claimA.locator('[data-testid=claim-check][data-result=passed]').count(), 6);
    const words = (await claimA.getByTestId('claim-checks').textContent()) ?? '';
    for (const phrase of ['marked the visit delivered', 'valid licence', 'covers its service', 'Payment consent', 'not claimed before', 'annual limit']) {
      assert.ok(words.includes(phrase), `the checks name “${phrase}”: ${words}`);
    }
    await shot(insurer, 'insurer-09-pending-claims');

    await claimA.getByTestId('claim-approve').click();
    await approve(insurer, 'billing.adjudicateClaim');
    assert.match((await insurer.getByTestId('claim-done').textContent()) ?? '', /approved: 4 MED paid to the practitioner from your pool\./);

    // A denial needs a reason; only its hash goes on chain.
    await claimB.getByTestId('claim-deny').click();
    await claimB.getByTestId('claim-reason-error').filter({ hasText: 'Type the reason for the denial' }).waitFor();
    assert.equal(await insurer.getByTestId('approve-dialog').count(), 0);
    await claimB.getByTestId('claim-reason').fill(REASON);
    await claimB.getByTestId('claim-deny').click();
    await approve(insurer, 'billing.adjudicateClaim');
    await insurer.getByTestId('claim-done').filter({ hasText: 'denied' }).waitFor();
    await insurer.getByTestId('claims-none').waitFor();
    const approved = insurer.locator(`[data-testid=claim-past][data-outcome=approved]`);
    const denied = insurer.locator(`[data-testid=claim-past][data-outcome=denied]`);
    assert.equal(await approved.getByTestId('claim-outcome').textContent(), 'approved and paid');
    assert.match((await denied.getByTestId('claim-outcome').textContent()) ?? '', /^denied \(only the hash of your reason is on chain\)/);
    await insurer.getByTestId('insurer-refresh').click();
    // The approved claim was paid from the pool (90 − 4); the denied share went back, nothing is promised now.
    await insurer.getByTestId('insurer-pool').filter({ hasText: /^86 MED$/ }).waitFor();
    await insurer.getByTestId('insurer-committed').filter({ hasText: /^0 MED$/ }).waitFor();
    await insurer.getByTestId('policy-used').filter({ hasText: /^4 MED$/ }).waitFor();
    await shot(insurer, 'insurer-10-past-claims');

    // The insurer ends the policy: no longer in force.
    await insurer.getByTestId('policy-end').click();
    await approve(insurer, 'billing.endPolicy');
    assert.match((await insurer.getByTestId('policy-done').textContent()) ?? '', /^Policy #\d+ ended/);
    await insurer.locator('[data-testid=policy-row][data-in-force=false]').getByTestId('policy-standing').filter({ hasText: /^ended by the insurer / }).waitFor();

    const claimId = (await api.query.billing!.claimOfConsultation!(Number(second.id))).toJSON() as number;
    const claim = (await api.query.billing!.claims!(claimId)).toJSON() as { status: { denied?: { reason: string } } };
    assert.equal(claim.status.denied?.reason, blake(REASON), 'the chain holds the reason’s blake2b-256 hash');
    assert.equal(await onChainInClear(REASON), false, 'and never its text');
  });
});

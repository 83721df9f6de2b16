// Billing end to end: a self-paid video consultation with a licensed physician from booking to
// payout, then an insured one from booking to claim approval, with every account's balance
// accounted for to the planck (the transactions' own fees included). Runs on the shared node,
// with accounts of its own (and the only suite there that settles, so the network fee account
// moves only by its payouts).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import '@polkadot/api-augment';
import type { ApiPromise } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import { blake2AsHex } from '@polkadot/util-crypto';
import { held, total } from '../lib/balances.ts';
import { startDevChain, stopDevChain, type DevChain } from '../lib/chain.ts';
import { eventOf, feesPaid, paidFromHoldTo } from '../lib/events.ts';
import { funded } from '../lib/funding.ts';
import { dev, type KeyringPair } from '../lib/keyring.ts';
import { waitFor } from '../lib/node.ts';
import { licensedPhysician } from '../lib/practitioners.ts';
import { generateRecoveryPhrase, KeyRing, tagOf, toHex } from '../lib/sdk.ts';
import { chainNow, submit, submitOk, type Outcome } from '../lib/tx.ts';
import { DAY, MINUTE, UNITS } from '../lib/units.ts';
const PRICE = 20n * UNITS;
const SERVICE = '99213';
/** The service's description goes on chain only as its hash; the text stays off chain. */
const DESCRIPTION_HASH = blake2AsHex('Video consultation', 256);
/**
 * A blinded tag of the patient's (HMAC-SHA-256 of a label under the patient's tag key, from the
 * SDK): the scope of the payment consent to the insurer. Any scope is a payment consent.
 */
const PAYMENT_TAG = toHex(tagOf(KeyRing.fromRecoveryPhrase(generateRecoveryPhrase()).tagKey(0), 'category/billing'));
/** The consultation deposit held from the booker until the consultation is reaped. */
const DEPOSIT = UNITS / 5n;

describe('billing', () => {
  let chain: DevChain | undefined;
  let api: ApiPromise;
  let alice: KeyringPair;
  let patient: KeyringPair;
  let doctor: KeyringPair;
  let insurer: KeyringPair;
  let treasury = '';
  let policyId = -1;
  /** Transaction fees paid so far, by account. */
  const paid = new Map<string, bigint>();

  /** What billing holds from `who` for `reason` (`Escrow`, `InsurerPool`, `ConsultationDeposit`). */
  function billingHold(who: string, reason = 'Escrow'): Promise<bigint> {
    return held(api, who, 'billing', reason);
  }

  function noteFees(outcome: Outcome): Outcome {
    for (const [who, fee] of feesPaid(outcome)) {
      paid.set(who, (paid.get(who) ?? 0n) + fee);
    }
    return outcome;
  }

  async function send(tx: SubmittableExtrinsic<'promise'>, signer: KeyringPair): Promise<Outcome> {
    return noteFees(await submitOk(api, tx, signer));
  }

  function fees(who: KeyringPair): bigint {
    return paid.get(who.address) ?? 0n;
  }

  /**
   * Books the service six blocks ahead (the practitioner must accept before the visit's time,
   * when an unanswered booking lapses); the consultation id and its time.
   */
  async function bookVisit(policy: number | null): Promise<[number, number]> {
    const at = (await chainNow(api)) + 36_000;
    const outcome = await send(api.tx.billing.book(patient.address, doctor.address, SERVICE, at, policy), patient);
    return [Number(eventOf(outcome, 'billing.ConsultationBooked')[0]), at];
  }

  /** The practitioner accepts, waits for the visit's time and marks it delivered. */
  async function deliver(id: number, at: number): Promise<void> {
    await send(api.tx.billing.accept(id), doctor);
    await waitFor(async () => (await chainNow(api)) >= at, 90_000, 'the visit time');
    await send(api.tx.billing.markDelivered(id, null), doctor);
  }

  before(async () => {
    chain = await startDevChain({ shared: true });
    api = chain.api;
    alice = dev('Alice');
    [doctor, patient, insurer] = await Promise.all([
      licensedPhysician(api, KeyRing.fromRecoveryPhrase(generateRecoveryPhrase()).keyAgreement(0).publicKey),
      funded(api, 100n * UNITS),
      funded(api, 1_000n * UNITS),
    ]);
    // The network fee goes to the treasury, the pallet account `tm/trsry` (which every
    // transaction fee also reaches: its balance moves with other suites' transactions, so the
    // fee is followed in the settling transactions' events).
    treasury = api.registry.createType('AccountId', new Uint8Array([
      ...new TextEncoder().encode('modltm/trsry'), ...new Uint8Array(20)])).toString();
    await send(api.tx.billing.setService(SERVICE, DESCRIPTION_HASH, PRICE, 30 * MINUTE), doctor);
    const stored = (await api.query.billing.services(doctor.address, SERVICE)).toJSON() as { description: string } | null;
    assert.equal(stored?.description, DESCRIPTION_HASH, 'only the hash of the description is stored');
  });

  after(async () => {
    await stopDevChain(chain);
  });

  test('a self-paid visit: the price is held, then paid out less the 1 % network fee', async () => {
    const start = { patient: await total(api, patient.address), doctor: await total(api, doctor.address) };
    const feesBefore = { patient: fees(patient), doctor: fees(doctor) };
    const [id, at] = await bookVisit(null);
    assert.equal(await billingHold(patient.address), PRICE, 'held, not transferred');
    const schedule = (await api.call.billingApi.schedule(doctor.address)).toJSON() as [unknown[], [number, unknown][]];
    assert.ok(schedule[1].some(([c]) => c === id), 'in the physician\'s schedule');

    // Settling before delivery is refused with the reason.
    assert.equal((await submit(api, api.tx.billing.settle(id), alice)).error, 'billing.WrongStatus');
    await deliver(id, at);
    const settled = await send(api.tx.billing.confirm(id), patient);
    assert.deepEqual(eventOf(settled, 'billing.ConsultationSettled').map(String), [String(id), String(PRICE * 99n / 100n), String(PRICE / 100n)]);
    assert.equal((await submit(api, api.tx.billing.settle(id), alice)).error, 'billing.AlreadySettled');

    assert.equal(await billingHold(patient.address), 0n);
    assert.equal(await total(api, patient.address), start.patient - PRICE - (fees(patient) - feesBefore.patient));
    assert.equal(await total(api, doctor.address), start.doctor + PRICE * 99n / 100n - (fees(doctor) - feesBefore.doctor));
    assert.equal(paidFromHoldTo(settled, treasury), PRICE / 100n, 'the network fee to the treasury');

    // The consultation deposit stays held until anyone reaps the closed consultation.
    assert.equal(await billingHold(patient.address, 'ConsultationDeposit'), DEPOSIT);
    await send(api.tx.billing.reap(id), alice);
    assert.equal(await billingHold(patient.address, 'ConsultationDeposit'), 0n);
    assert.ok((await api.query.billing.consultations(id)).isEmpty, 'the consultation is gone');
    assert.equal(await total(api, patient.address), start.patient - PRICE - (fees(patient) - feesBefore.patient));
  });

  test('an insured visit: copay and insurer share, claim checked and approved', async () => {
    // Governance (sudo on the dev chain) registers the insurer, who funds a pool and insures
    // the patient at 80 %; the patient consents to the insurer reading one of its tags for
    // payment (the claim check asks about the relationship: a payment consent of any scope).
    await send(api.tx.sudo.sudo(api.tx.billing.registerInsurer(insurer.address, 'Demo Mutual')), alice);
    await send(api.tx.billing.fundPool(500n * UNITS), insurer);
    const now = await chainNow(api);
    const issued = await send(api.tx.billing.issuePolicy(
      patient.address, [SERVICE], 800_000, 200n * UNITS, now, now + 365 * DAY), insurer);
    policyId = Number(eventOf(issued, 'billing.PolicyIssued')[0]);
    await send(api.tx.consent.grantConsent(patient.address, insurer.address, 'Permit', ['Read'],
      { Tags: [PAYMENT_TAG] }, ['Payment'], null, null), patient);

    const quote = (await api.call.billingApi.quote(patient.address, doctor.address, SERVICE, policyId, now + 60_000)).toJSON() as
      { ok: { price: number | string; patientShare: number | string; insurerShare: number | string } };
    assert.equal(BigInt(quote.ok.patientShare), PRICE / 5n);
    assert.equal(BigInt(quote.ok.insurerShare), PRICE * 4n / 5n);

    const start = {
      patient: await total(api, patient.address), doctor: await total(api, doctor.address),
      insurer: await total(api, insurer.address),
    };
    const feesBefore = { patient: fees(patient), doctor: fees(doctor), insurer: fees(insurer) };
    const copay = PRICE / 5n;
    const share = PRICE - copay;
    const [id, at] = await bookVisit(policyId);
    assert.equal(await billingHold(patient.address), copay, 'the copay is held from the patient');
    await deliver(id, at);
    const settled = await send(api.tx.billing.confirm(id), patient);
    const [claimId, , amount] = eventOf(settled, 'billing.ClaimCreated');
    assert.equal(BigInt(amount as string | number), share);

    // Only its insurer may answer the claim.
    assert.equal((await submit(api, api.tx.billing.adjudicateClaim(claimId as number, true, new Uint8Array(32)), alice)).error,
      'billing.NotYourClaim');
    const approved = await send(api.tx.billing.adjudicateClaim(claimId as number, true, new Uint8Array(32)), insurer);
    const claim = (await api.call.billingApi.claim(id)).toJSON() as [number, { status: unknown; amount: unknown }];
    assert.deepEqual(claim[1].status, { approved: null });

    // Every balance, to the planck.
    assert.equal(await total(api, patient.address), start.patient - copay - (fees(patient) - feesBefore.patient));
    assert.equal(await total(api, insurer.address), start.insurer - share - (fees(insurer) - feesBefore.insurer));
    assert.equal(await billingHold(insurer.address, 'InsurerPool'), 500n * UNITS - share, 'the pool paid the share');
    assert.equal(await total(api, doctor.address), start.doctor + (copay + share) * 99n / 100n - (fees(doctor) - feesBefore.doctor));
    assert.equal(paidFromHoldTo(settled, treasury) + paidFromHoldTo(approved, treasury), (copay + share) / 100n,
      'the network fee of the copay and of the share to the treasury');
  });
});

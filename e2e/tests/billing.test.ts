// Billing end to end: a self-paid video consultation with the demo physician from booking to
// payout, then an insured one from booking to claim approval, with every account's balance
// accounted for to the planck (the transactions' own fees included).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import '@polkadot/api-augment';
import type { ApiPromise } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { cryptoWaitReady, mnemonicGenerate } from '@polkadot/util-crypto';
import { connect, removeDir, startNode, stopAllNodes, tempDir, waitFor, type RunningNode } from '../lib/node.ts';
import { chainNow, submit, submitOk, type Outcome } from '../lib/tx.ts';

const UNITS = 10n ** 12n;
const PRICE = 20n * UNITS;
const SERVICE = '99213';
/** The consultation deposit held from the booker until the consultation is reaped. */
const DEPOSIT = UNITS / 5n;

describe('billing', () => {
  const basePath = tempDir();
  let node: RunningNode | undefined;
  let api: ApiPromise;
  let alice: KeyringPair;
  let patient: KeyringPair;
  let doctor: KeyringPair;
  let insurer: KeyringPair;
  let feeAccount = '';
  let policyId = -1;
  /** Transaction fees paid so far, by account. */
  const feesPaid = new Map<string, bigint>();

  /** Free plus held: what an account owns. */
  async function total(who: string): Promise<bigint> {
    const { data } = await api.query.system.account(who);
    return data.free.toBigInt() + data.reserved.toBigInt();
  }

  /** What billing holds from `who` for `reason` (`Escrow`, `InsurerPool`, `ConsultationDeposit`). */
  async function held(who: string, reason = 'Escrow'): Promise<bigint> {
    const holds = (await api.query.balances.holds(who)).toJSON() as { id: { billing?: string }; amount: number | string }[];
    return holds.filter((h) => h.id.billing === reason).reduce((sum, h) => sum + BigInt(h.amount), 0n);
  }

  function noteFees(outcome: Outcome): Outcome {
    for (const { name, data } of outcome.eventData) {
      if (name !== 'transactionPayment.TransactionFeePaid') continue;
      const [who, fee] = data as [string, number | string];
      feesPaid.set(who, (feesPaid.get(who) ?? 0n) + BigInt(fee));
    }
    return outcome;
  }

  async function send(tx: SubmittableExtrinsic<'promise'>, signer: KeyringPair): Promise<Outcome> {
    return noteFees(await submitOk(api, tx, signer));
  }

  function fees(who: KeyringPair): bigint {
    return feesPaid.get(who.address) ?? 0n;
  }

  function eventOf(outcome: Outcome, name: string): unknown[] {
    const found = outcome.eventData.find((e) => e.name === name);
    assert.ok(found, `${name} in ${outcome.events.join(', ')}`);
    return found.data as unknown[];
  }

  /**
   * Books the service six blocks ahead (the practitioner must accept before the visit's time,
   * when an unanswered booking lapses); the consultation id and its time.
   */
  async function bookVisit(policy: number | null): Promise<[number, number]> {
    const at = (await chainNow(api)) + 36_000;
    const outcome = await send(api.tx.billing.book(patient.address, doctor.address, SERVICE, at, policy), patient);
    return [Number(eventOf(outcome, 'billing.Booked')[0]), at];
  }

  /** The practitioner accepts, waits for the visit's time and marks it delivered. */
  async function deliver(id: number, at: number): Promise<void> {
    await send(api.tx.billing.accept(id), doctor);
    await waitFor(async () => (await chainNow(api)) >= at, 90_000, 'the visit time');
    await send(api.tx.billing.markDelivered(id, null), doctor);
  }

  before(async () => {
    await cryptoWaitReady();
    node = await startNode({ basePath });
    api = await connect(node);
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    alice = keyring.addFromUri('//Alice');
    doctor = keyring.addFromUri('//Bob'); // the dev chain's licensed demo physician
    patient = keyring.addFromMnemonic(mnemonicGenerate());
    insurer = keyring.addFromMnemonic(mnemonicGenerate());
    await submitOk(api, api.tx.balances.transferKeepAlive(patient.address, 100n * UNITS), alice);
    await submitOk(api, api.tx.balances.transferKeepAlive(insurer.address, 1_000n * UNITS), alice);
    // The network fee account: the pallet account `tm/fees_`.
    feeAccount = api.registry.createType('AccountId', new Uint8Array([
      ...new TextEncoder().encode('modltm/fees_'), ...new Uint8Array(20)])).toString();
    await send(api.tx.billing.setService(SERVICE, 'Video consultation', PRICE, 30 * 60 * 1000), doctor);
  });

  after(async () => {
    await api?.disconnect();
    await stopAllNodes();
    removeDir(basePath);
  });

  test('a self-paid visit: the price is held, then paid out less the 1 % network fee', async () => {
    const start = { patient: await total(patient.address), doctor: await total(doctor.address), fees: await total(feeAccount) };
    const feesBefore = { patient: fees(patient), doctor: fees(doctor) };
    const [id, at] = await bookVisit(null);
    assert.equal(await held(patient.address), PRICE, 'held, not transferred');
    const schedule = (await api.call.billingApi.schedule(doctor.address)).toJSON() as [unknown[], [number, unknown][]];
    assert.ok(schedule[1].some(([c]) => c === id), 'in the physician\'s schedule');

    // Settling before delivery is refused with the reason.
    assert.equal((await submit(api, api.tx.billing.settle(id), alice)).error, 'billing.WrongStatus');
    await deliver(id, at);
    const settled = await send(api.tx.billing.confirm(id), patient);
    assert.deepEqual(eventOf(settled, 'billing.Settled').map(String), [String(id), String(PRICE * 99n / 100n), String(PRICE / 100n)]);
    assert.equal((await submit(api, api.tx.billing.settle(id), alice)).error, 'billing.AlreadySettled');

    assert.equal(await held(patient.address), 0n);
    assert.equal(await total(patient.address), start.patient - PRICE - (fees(patient) - feesBefore.patient));
    assert.equal(await total(doctor.address), start.doctor + PRICE * 99n / 100n - (fees(doctor) - feesBefore.doctor));
    assert.equal(await total(feeAccount), start.fees + PRICE / 100n);

    // The consultation deposit stays held until anyone reaps the closed consultation.
    assert.equal(await held(patient.address, 'ConsultationDeposit'), DEPOSIT);
    await send(api.tx.billing.reap(id), alice);
    assert.equal(await held(patient.address, 'ConsultationDeposit'), 0n);
    assert.ok((await api.query.billing.consultations(id)).isEmpty, 'the consultation is gone');
    assert.equal(await total(patient.address), start.patient - PRICE - (fees(patient) - feesBefore.patient));
  });

  test('an insured visit: copay and insurer share, claim checked and approved', async () => {
    // Governance (sudo on the dev chain) registers the insurer, who funds a pool and insures
    // the patient at 80 %; the patient consents to the insurer reading encounters for payment.
    await send(api.tx.sudo.sudo(api.tx.billing.registerInsurer(insurer.address, 'Demo Mutual')), alice);
    await send(api.tx.billing.fundPool(500n * UNITS), insurer);
    const now = await chainNow(api);
    const issued = await send(api.tx.billing.issuePolicy(
      patient.address, [SERVICE], 800_000, 200n * UNITS, now, now + 365 * 24 * 3600 * 1000), insurer);
    policyId = Number(eventOf(issued, 'billing.PolicyIssued')[0]);
    await send(api.tx.consent.grantConsent(patient.address, insurer.address, 'Permit', ['Read'],
      { Categories: ['Encounter'] }, ['Payment'], null, null), patient);

    const quote = (await api.call.billingApi.quote(patient.address, doctor.address, SERVICE, policyId, now + 60_000)).toJSON() as
      { ok: { price: number | string; patientShare: number | string; insurerShare: number | string } };
    assert.equal(BigInt(quote.ok.patientShare), PRICE / 5n);
    assert.equal(BigInt(quote.ok.insurerShare), PRICE * 4n / 5n);

    const start = {
      patient: await total(patient.address), doctor: await total(doctor.address),
      insurer: await total(insurer.address), fees: await total(feeAccount),
    };
    const feesBefore = { patient: fees(patient), doctor: fees(doctor), insurer: fees(insurer) };
    const copay = PRICE / 5n;
    const share = PRICE - copay;
    const [id, at] = await bookVisit(policyId);
    assert.equal(await held(patient.address), copay, 'the copay is held from the patient');
    await deliver(id, at);
    const settled = await send(api.tx.billing.confirm(id), patient);
    const [claimId, , amount] = eventOf(settled, 'billing.ClaimCreated');
    assert.equal(BigInt(amount as string | number), share);

    // Only its insurer may answer the claim.
    assert.equal((await submit(api, api.tx.billing.adjudicateClaim(claimId as number, true, new Uint8Array(32)), alice)).error,
      'billing.NotYourClaim');
    await send(api.tx.billing.adjudicateClaim(claimId as number, true, new Uint8Array(32)), insurer);
    const claim = (await api.call.billingApi.claim(id)).toJSON() as [number, { status: unknown; amount: unknown }];
    assert.deepEqual(claim[1].status, { approved: null });

    // Every balance, to the planck.
    assert.equal(await total(patient.address), start.patient - copay - (fees(patient) - feesBefore.patient));
    assert.equal(await total(insurer.address), start.insurer - share - (fees(insurer) - feesBefore.insurer));
    assert.equal(await held(insurer.address, 'InsurerPool'), 500n * UNITS - share, 'the pool paid the share');
    assert.equal(await total(doctor.address), start.doctor + (copay + share) * 99n / 100n - (fees(doctor) - feesBefore.doctor));
    assert.equal(await total(feeAccount), start.fees + (copay + share) / 100n);
  });
});

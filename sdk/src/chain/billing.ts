/**
 * The billing pallet, as far as booking and paying a consultation: quote, book, the
 * practitioner's accept and delivery, the patient's confirmation (which settles at once), and
 * the session keys of an accepted visit (publish, read).
 *
 * @module
 */

import { fromHex, toHex } from '../bytes.ts';
import type { Account, Signer, TelemedChain } from './client.ts';
import { eventOf, hasEvent, send, type Included } from './tx.ts';
import { big, type ConsultationId, type Quote } from './types.ts';

/** A booked consultation (`ConsultationBooked`). */
export interface Booking {
  /** The consultation's id. */
  id: ConsultationId;
  /** Held from the payer until settled. */
  patientShare: bigint;
  /** Reserved in the insurer's pool. */
  insurerShare: bigint;
}

/** A settlement (`ConsultationSettled`). */
export interface Settlement {
  /** The consultation. */
  id: ConsultationId;
  /** Paid to the practitioner. */
  paid: bigint;
  /** The network fee. */
  fee: bigint;
}

/**
 * `BillingApi.quote`: what `patient` would pay for `practitioner`'s `service` at `at`.
 *
 * @returns the quote, or the refusal's name (`{ err: 'UnknownService' }`…)
 */
export async function quote(
  chain: TelemedChain,
  patient: Account,
  practitioner: Account,
  service: string,
  policy: bigint | null,
  at: number,
): Promise<Quote | { err: string }> {
  const json = (await chain.api.call.billingApi!.quote!(
    chain.address(patient), chain.address(practitioner), service, policy, at)).toJSON() as
    { ok?: Record<string, unknown>; err?: unknown };
  if (!json.ok) return { err: String(json.err) };
  return { price: big(json.ok.price), patientShare: big(json.ok.patientShare), insurerShare: big(json.ok.insurerShare) };
}

/** `billing.book`: books `service` for `patient` at `scheduledAt` (ms), self-paid or under `policy`. */
export async function book(
  chain: TelemedChain,
  signer: Signer,
  patient: Account,
  practitioner: Account,
  service: string,
  scheduledAt: number,
  policy: bigint | null = null,
): Promise<Booking> {
  const tx = chain.api.tx.billing!.book!(chain.address(patient), chain.address(practitioner), service, scheduledAt, policy);
  const { fields } = eventOf(await send(chain, tx, signer), 'billing', 'ConsultationBooked');
  return { id: big(fields.id), patientShare: big(fields.patientShare), insurerShare: big(fields.insurerShare) };
}

/**
 * `billing.setService` (the practitioner): offers `service` at `price` for `duration` ms; only
 * `description`'s hash goes on chain.
 */
export async function setService(
  chain: TelemedChain,
  signer: Signer,
  service: string,
  descriptionHash: Uint8Array,
  price: bigint,
  duration: number,
): Promise<Included> {
  return send(chain, chain.api.tx.billing!.setService!(service, toHex(descriptionHash), price, duration), signer);
}

/** `billing.accept` (the practitioner). */
export async function accept(chain: TelemedChain, signer: Signer, id: ConsultationId): Promise<Included> {
  return send(chain, chain.api.tx.billing!.accept!(id), signer);
}

/** `billing.markDelivered` (the practitioner, once the visit's time has come). */
export async function markDelivered(
  chain: TelemedChain,
  signer: Signer,
  id: ConsultationId,
  encounter: Uint8Array | null = null,
): Promise<Included> {
  return send(chain, chain.api.tx.billing!.markDelivered!(id, encounter), signer);
}

/** `billing.cancel`. */
export async function cancel(chain: TelemedChain, signer: Signer, id: ConsultationId): Promise<Included> {
  return send(chain, chain.api.tx.billing!.cancel!(id), signer);
}

/** `billing.decline` (the practitioner): refuses a booked visit; the payer is refunded in full. */
export async function decline(chain: TelemedChain, signer: Signer, id: ConsultationId): Promise<Included> {
  return send(chain, chain.api.tx.billing!.decline!(id), signer);
}

/**
 * `billing.dispute` (the patient, the booker or a delegate with `BookCare`; never the visit's
 * practitioner): contests a delivered visit within the dispute window; the dispute bond is held
 * from the caller until the arbiter decides (or the default closes it).
 */
export async function dispute(chain: TelemedChain, signer: Signer, id: ConsultationId): Promise<Included> {
  return send(chain, chain.api.tx.billing!.dispute!(id), signer);
}

/** `billing.confirm` (the patient or booker): confirms delivery and settles at once. */
export async function confirm(chain: TelemedChain, signer: Signer, id: ConsultationId): Promise<Settlement> {
  const { fields } = eventOf(await send(chain, chain.api.tx.billing!.confirm!(id), signer), 'billing', 'ConsultationSettled');
  return { id: big(fields.id), paid: big(fields.paid), fee: big(fields.fee) };
}

/** One party's session key as pinned on chain (`SessionKey`). */
export interface PinnedSessionKey {
  /** The X25519 public key, 32 bytes. */
  key: Uint8Array;
  /** When it was published (ms). */
  publishedAt: number;
  /** 1 for the first key, one more at each replacement. */
  revision: number;
}

/** The session keys of an accepted consultation (`billing.sessionKeysOf`). */
export interface ConsultationSessionKeys {
  /** The patient's, once published. */
  patient: PinnedSessionKey | null;
  /** The practitioner's, once published. */
  practitioner: PinnedSessionKey | null;
}

/** What {@link publishSessionKey} did: a first key or a replacement (with its revision). */
export interface SessionKeyPublication {
  /** The inclusion. */
  included: Included;
  /** Whether it replaced an earlier key (a `SessionKeyReplaced` event). */
  replaced: boolean;
}

/**
 * `billing.publishSessionKey` (the consultation's patient or practitioner, while it is
 * accepted): pins this device's ephemeral session public key for the visit.
 */
export async function publishSessionKey(
  chain: TelemedChain,
  signer: Signer,
  id: ConsultationId,
  publicKey: Uint8Array,
): Promise<SessionKeyPublication> {
  const included = await send(chain, chain.api.tx.billing!.publishSessionKey!(id, toHex(publicKey)), signer);
  return { included, replaced: hasEvent(included, 'billing', 'SessionKeyReplaced') };
}

function pinnedFromJson(json: Record<string, unknown> | null | undefined): PinnedSessionKey | null {
  if (!json) return null;
  return { key: fromHex(String(json.key)), publishedAt: Number(json.publishedAt), revision: Number(json.revision) };
}

/**
 * `billing.sessionKeysOf(id)`: the session keys pinned for consultation `id`, or `null` when
 * none is (not accepted, or ended: the keys expire with the visit).
 */
export async function sessionKeys(chain: TelemedChain, id: ConsultationId): Promise<ConsultationSessionKeys | null> {
  const json = (await chain.api.query.billing!.sessionKeysOf!(id)).toJSON() as Record<string, Record<string, unknown> | null> | null;
  if (!json) return null;
  return { patient: pinnedFromJson(json.patient), practitioner: pinnedFromJson(json.practitioner) };
}

/** Who a consultation is between and where it stands (`billing.consultations(id)`). */
export interface ConsultationParties {
  /** The patient (SS58). */
  patient: string;
  /** The practitioner (SS58). */
  practitioner: string;
  /** `ConsultationStatus` (`'Requested'`, `'Accepted'`, `'Delivered'`…). */
  status: string;
}

/** The parties and status of consultation `id`, or null if there is none (never booked, or reaped). */
export async function consultation(chain: TelemedChain, id: ConsultationId): Promise<ConsultationParties | null> {
  const json = (await chain.api.query.billing!.consultations!(id)).toJSON() as Record<string, unknown> | null;
  if (!json) return null;
  return { patient: String(json.patient), practitioner: String(json.practitioner), status: String(json.status) };
}

/** A claim as `BillingApi.claims` lists it, with its consultation (@polkadot/api's JSON of each). */
export interface ListedClaim {
  /** The claim's id. */
  id: bigint;
  /** The claim: consultation, policy, insurer, practitioner, amount, createdAt, status. */
  claim: Record<string, unknown>;
  /** Its consultation: patient, practitioner, service, price, scheduledAt, status, deliveredAt… */
  consultation: Record<string, unknown>;
}

/** A policy as `BillingApi.policies` lists it. */
export interface ListedPolicy {
  /** The policy's id. */
  id: bigint;
  /** The policy: insurer, patient, covered, coverage (parts per million), annualLimit, validity… */
  policy: Record<string, unknown>;
  /** What claims used of its annual limit in the current policy year. */
  usedThisYear: bigint;
}

/** How many ids one page of `BillingApi.claims` / `policies` looks at: the runtime's most. */
export const BILLING_PAGE = 1024;

/** Every page of a paged `BillingApi` listing, in order. */
async function allPages<T>(page: (from: number) => Promise<[T[], number | null]>): Promise<T[]> {
  const out: T[] = [];
  for (let from: number | null = 0; from !== null;) {
    const [items, next] = await page(from);
    out.push(...items);
    from = next;
  }
  return out;
}

function nextId(next: unknown): number | null {
  return next === null || next === undefined ? null : Number(next);
}

/**
 * `BillingApi.claims`, every page: the claims `party` is in (as the insurer, the practitioner
 * or the consultation's patient), oldest first, each with its consultation. The runtime looks
 * at every claim id (1,024 a call): a listing costs a call per 1,024 claims on the chain.
 */
export async function claimsOf(chain: TelemedChain, party: Account): Promise<ListedClaim[]> {
  const who = chain.address(party);
  return allPages(async (from) => {
    const [items, next] = (await chain.api.call.billingApi!.claims!(who, from, BILLING_PAGE)).toJSON() as
      [[number | string, Record<string, unknown>, Record<string, unknown>][], unknown];
    return [items.map(([id, claim, consultation]) => ({ id: big(id), claim, consultation })), nextId(next)];
  });
}

/**
 * `BillingApi.policies`, every page: the policies `party` is in (as the insurer or the insured
 * patient), oldest first, with what claims used of each one's limit this policy year.
 */
export async function policiesOf(chain: TelemedChain, party: Account): Promise<ListedPolicy[]> {
  const who = chain.address(party);
  return allPages(async (from) => {
    const [items, next] = (await chain.api.call.billingApi!.policies!(who, from, BILLING_PAGE)).toJSON() as
      [[number | string, Record<string, unknown>, number | string][], unknown];
    return [items.map(([id, policy, used]) => ({ id: big(id), policy, usedThisYear: big(used) })), nextId(next)];
  });
}

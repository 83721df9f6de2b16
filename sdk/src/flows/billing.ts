/**
 * Book and pay: the patient books a practitioner's service (the price is held, not
 * transferred), the practitioner accepts and, after the visit, marks it delivered, and the
 * patient confirms, which pays the practitioner at once (less the network fee).
 *
 * @module
 */

import * as billing from '../chain/billing.ts';
import type { Account } from '../chain/client.ts';
import { ChainError } from '../chain/errors.ts';
import type { Included } from '../chain/tx.ts';
import type { ConsultationId, Quote } from '../chain/types.ts';
import type { Actor, FlowContext } from './context.ts';

/** The runtime would not book this (`BillingApi.quote` refused): nothing was sent. */
export class QuoteRefusedError extends ChainError {
  /** The `QuoteError` variant (`UnknownService`, `NotLicensed`…). */
  readonly reason: string;

  /** @param reason - the `QuoteError` variant */
  constructor(reason: string) {
    super(`the chain would not book this: ${reason}`);
    this.reason = reason;
  }
}

/** What {@link bookConsultation} returns. */
export interface Booked extends billing.Booking {
  /** The quote the booking was made on. */
  quote: Quote;
}

/**
 * Books `practitioner`'s `service` for the `patient` at `scheduledAt` (ms, in the future),
 * self-paid or under `policy`: asks the runtime for a quote first (nothing is sent if it would
 * be refused), then `billing.book` (holds the patient's share and the consultation deposit).
 *
 * @throws {@link QuoteRefusedError}; `DispatchError` (`billing.InThePast`,
 *   `billing.InsufficientBalance`…)
 */
export async function bookConsultation(
  ctx: FlowContext,
  patient: Actor,
  practitioner: Account,
  service: string,
  scheduledAt: number,
  policy: bigint | null = null,
): Promise<Booked> {
  const quote = await billing.quote(ctx.chain, patient.signer.address, practitioner, service, policy, scheduledAt);
  if ('err' in quote) throw new QuoteRefusedError(quote.err);
  const booking = await billing.book(ctx.chain, patient.signer, patient.signer.address, practitioner, service, scheduledAt, policy);
  return { ...booking, quote };
}

/** The practitioner's side: `billing.accept` (before the visit's time). */
export async function acceptConsultation(ctx: FlowContext, practitioner: Actor, id: ConsultationId): Promise<Included> {
  return billing.accept(ctx.chain, practitioner.signer, id);
}

/** The practitioner's side: `billing.markDelivered` (from the visit's time). */
export async function deliverConsultation(
  ctx: FlowContext,
  practitioner: Actor,
  id: ConsultationId,
  encounter: Uint8Array | null = null,
): Promise<Included> {
  return billing.markDelivered(ctx.chain, practitioner.signer, id, encounter);
}

/**
 * The patient confirms a delivered consultation and pays: `billing.confirm` settles at once
 * (the held share goes to the practitioner less the network fee).
 *
 * @throws `DispatchError` (`billing.WrongStatus` before delivery, `billing.NotPermitted`…)
 */
export async function payConsultation(ctx: FlowContext, patient: Actor, id: ConsultationId): Promise<billing.Settlement> {
  return billing.confirm(ctx.chain, patient.signer, id);
}

/**
 * Emergency key custody: break-glass opens access to a patient's data, but a record stays
 * unreadable unless someone seals its data key to the emergency practitioner. A patient may
 * appoint a key service as their emergency custodian (`DelegateScope::EmergencyCustodian`) and
 * seal to it the keys of the records they choose; when a practitioner's break-glass access is
 * open, the custodian seals those keys to the practitioner (`records.addEnvelope` with purpose
 * `EmergencyTreatment`, which the chain allows the custodian only then and notes as a disclosure
 * on the emergency's basis). No new crypto: the custodian's envelopes are ordinary key envelopes
 * (FORMATS.md), opened and re-sealed as {@link sealToGrantee} does.
 *
 * @module
 */

import type { Account } from '../chain/client.ts';
import * as consent from '../chain/consent.ts';
import * as records from '../chain/records.ts';
import type { Included } from '../chain/tx.ts';
import type { PurposeOfUse, RecordId } from '../chain/types.ts';
import type { Actor, FlowContext } from './context.ts';
import { sealToGrantee } from './sharing.ts';

/** The delegate scope of an emergency custodian. */
export const EMERGENCY_CUSTODIAN = 'EmergencyCustodian' as const;

/** The purpose of the custodian's envelopes and of what it releases. */
export const EMERGENCY_PURPOSE: PurposeOfUse = 'EmergencyTreatment';

/**
 * The patient appoints `custodian` (a key service's account) as their emergency custodian
 * (`consent.addDelegate(custodian, [EmergencyCustodian], until)`): it may then seal the keys it
 * holds only to a practitioner whose break-glass access is open.
 *
 * @throws `DispatchError` (`consent.AlreadyDelegate`, `consent.TooManyDelegates`,
 *   `consent.InsufficientBalance`…)
 */
export async function appointCustodian(
  ctx: FlowContext,
  patient: Actor,
  custodian: Account,
  until: number | null = null,
): Promise<Included> {
  return consent.addDelegate(ctx.chain, patient.signer, custodian, [EMERGENCY_CUSTODIAN], until);
}

/**
 * The patient seals to `custodian` (at its registered key) the data keys of `versions`
 * (opened from the patient's own envelopes), each an envelope with `purpose`. Sent together
 * (one signer's nonces are ordered by `send()`), so they can land in one block.
 *
 * @returns the versions sealed, in order
 * @throws `DispatchError` (`records.EnvelopeExists`, `records.NoKeyAgreementKey` if the
 *   custodian has not registered its key…): envelopes sent before stay
 */
export async function sealToCustodian(
  ctx: FlowContext,
  patient: Actor,
  custodian: Account,
  versions: readonly RecordId[],
  purpose: PurposeOfUse = EMERGENCY_PURPOSE,
): Promise<RecordId[]> {
  await Promise.all(versions.map((v) => sealToGrantee(ctx, patient, v, custodian, purpose)));
  return [...versions];
}

/** What {@link releaseToEmergency} did with one version. */
export type Release = 'sealed' | 'already';

/**
 * The custodian's side: opens its envelope of version `versionId` (bound to this chain, the
 * record and the custodian), seals the data key to `practitioner`'s published key-agreement key
 * (bound to the practitioner) and submits `records.addEnvelope(versionId, practitioner, sealed,
 * EmergencyTreatment)`. A version the practitioner already has an envelope for is left alone
 * (`'already'`), so a release can be repeated safely.
 *
 * @param practitionerKeyVersion - the key version of the practitioner's published key (0 unless
 *   known otherwise; a key ring opens any version)
 * @throws `NotFoundError` (no envelope of the custodian's, no key of the practitioner's);
 *   `DecryptionError` (the custodian's envelope does not open); `DispatchError`
 *   (`records.NoConsent` when no break-glass access of the practitioner is open…)
 */
export async function releaseToEmergency(
  ctx: FlowContext,
  custodian: Actor,
  versionId: RecordId,
  practitioner: Account,
  practitionerKeyVersion = 0,
): Promise<Release> {
  if (await records.envelope(ctx.chain, versionId, practitioner)) return 'already';
  await sealToGrantee(ctx, custodian, versionId, practitioner, EMERGENCY_PURPOSE, practitionerKeyVersion);
  return 'sealed';
}

/**
 * The versions of `patient`'s records `custodian` holds envelopes for (`EnvelopesOf`, at most
 * `MaxEnvelopesPerGrantee`): what it can release in an emergency.
 */
export async function custodianHoldings(ctx: FlowContext, patient: Account, custodian: Account): Promise<RecordId[]> {
  return records.envelopesOf(ctx.chain, patient, custodian);
}

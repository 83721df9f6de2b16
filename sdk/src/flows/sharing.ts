/**
 * Sharing flows: grant a consent and seal the data keys to the grantee; revoke it; re-key a
 * record so a revoked grantee's old key opens nothing current.
 *
 * @module
 */

import type { Account } from '../chain/client.ts';
import * as consent from '../chain/consent.ts';
import * as records from '../chain/records.ts';
import type { Included } from '../chain/tx.ts';
import type { ConsentId, PurposeOfUse, RecordId } from '../chain/types.ts';
import { decryptAnchoredContent, encryptContent, newDataKey } from '../content.ts';
import { sealEnvelope } from '../envelope.ts';
import { openLocator, sealLocator } from '../locator.ts';
import { currentKey, type Actor, type FlowContext } from './context.ts';
import { custodiansHolding } from './emergency.ts';
import { bindingFor, dataKeyOf, sealFor, type Written } from './records.ts';

/** What {@link grantAndSeal} did. */
export interface Granted {
  /** The consent's id. */
  consent: ConsentId;
  /** The versions the grantee got an envelope for. */
  sealed: RecordId[];
}

/**
 * Grants `grantee` a consent of `patient`'s and seals to the grantee's published key the data
 * keys of `versions` (opened from the patient's own envelopes), each with `purpose`.
 *
 * @param request - the consent (actions, scope, purposes, window)
 * @param versions - the record versions to seal (normally the current ones the consent covers)
 * @throws `DispatchError` (`consent.*` for the grant; `records.NoConsent`, `records.EnvelopeExists`…
 *   for an envelope: the consent stays granted and earlier envelopes stay); `NotFoundError`
 *   (the patient has no envelope of a version, or the grantee no key)
 */
export async function grantAndSeal(
  ctx: FlowContext,
  patient: Actor,
  grantee: Account,
  request: consent.ConsentRequest,
  versions: readonly RecordId[],
  purpose: PurposeOfUse,
): Promise<Granted> {
  const id = await consent.grantConsent(ctx.chain, patient.signer, patient.signer.address, grantee, request);
  const sealed: RecordId[] = [];
  for (const versionId of versions) {
    await sealToGrantee(ctx, patient, versionId, grantee, purpose);
    sealed.push(versionId);
  }
  return { consent: id, sealed };
}

/**
 * Seals version `versionId`'s data key (opened from `holder`'s envelope) to `grantee` and puts
 * the envelope on chain (`records.addEnvelope`).
 *
 * @throws as {@link grantAndSeal}
 */
export async function sealToGrantee(
  ctx: FlowContext,
  holder: Actor,
  versionId: RecordId,
  grantee: Account,
  purpose: PurposeOfUse,
  granteeKeyVersion = 0,
): Promise<Included> {
  const { dataKey, version } = await dataKeyOf(ctx, holder, versionId);
  const sealed = await sealFor(ctx, dataKey, version, grantee, granteeKeyVersion);
  return records.addEnvelope(ctx.chain, holder.signer, versionId, grantee, sealed, purpose);
}

/**
 * Revokes a consent (`consent.revokeConsent`): it stops counting and the chain removes, in the
 * same call, the grantee's envelopes it covered. The grantee may still hold data keys opened
 * before: {@link rekeyRecord} each record they could read.
 */
export async function revokeConsent(ctx: FlowContext, patient: Actor, id: ConsentId): Promise<Included> {
  return consent.revokeConsent(ctx.chain, patient.signer, id);
}

/** Options of {@link rekeyRecord}. */
export interface RekeyOptions {
  /**
   * Grantees who keep access: each gets an envelope for the new version (they must have one on
   * the replaced version and may still read). The patient always gets one, and so does each of
   * the patient's emergency custodians that held a custody envelope (purpose
   * `EmergencyTreatment`) of the replaced version: the chain keeps its purpose. A custodian's
   * envelope under a consent is not kept unless listed here.
   */
  keep?: Account[];
  /** Delete the replaced ciphertext from the store (default true). */
  deleteOld?: boolean;
}

/**
 * Re-keys the current version `id`: the same resource and salt (so the same commitment) under a
 * fresh data key, stored at a new locator, anchored by `records.rekeyRecord` with envelopes for
 * the patient and `options.keep`. The chain drops the replaced version's locator and envelopes;
 * the replaced ciphertext is deleted from the store. A data key given out before opens nothing
 * current.
 *
 * @throws `DispatchError` (`records.NotCurrent`, `records.NoEnvelope` for a kept grantee without
 *   one, `records.NoConsent`…; the new ciphertext is deleted again); `MismatchError` if the
 *   stored ciphertext does not match the chain
 */
export async function rekeyRecord(ctx: FlowContext, patient: Actor, id: RecordId, options: RekeyOptions = {}): Promise<Written> {
  const { dataKey: oldKey, version: old } = await dataKeyOf(ctx, patient, id);
  const oldLocator = openLocator(oldKey, old.locator);
  const { resource, salt } = decryptAnchoredContent(oldKey, await ctx.store.get(oldLocator), old);

  const dataKey = newDataKey();
  const content = encryptContent(dataKey, resource, { salt });
  const locator = await ctx.store.put(content.ciphertext);
  const next = { record: old.record, version: old.version + 1 };
  const own = currentKey(patient);
  const me = patient.signer.address;
  const envelopes: [Account, Uint8Array][] = [[me, await sealEnvelope(dataKey, own.publicKey, own.keyVersion, bindingFor(ctx, next, me))]];
  const keep = new Set((options.keep ?? []).map((g) => ctx.chain.address(g)));
  for (const custodian of await custodiansHolding(ctx, old.patient, id)) keep.add(custodian);
  for (const grantee of keep) {
    if (grantee !== ctx.chain.address(me)) envelopes.push([grantee, await sealFor(ctx, dataKey, next, grantee)]);
  }
  let newId: RecordId;
  try {
    newId = await records.rekeyRecord(ctx.chain, patient.signer, id, { ...content, locator: sealLocator(dataKey, locator) }, envelopes);
  } catch (e) {
    await ctx.store.delete(locator);
    throw e;
  }
  if (options.deleteOld ?? true) await ctx.store.delete(oldLocator);
  return { id: newId, version: await records.recordVersion(ctx.chain, newId), dataKey, locator };
}

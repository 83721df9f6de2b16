/**
 * Key rotation: a holder publishes a new key-agreement key (`records.rotatePatientKey`, or
 * `practitioners.rotateKeyAgreementKey`) and re-seals what they still need: every envelope they
 * hold (found through `GranteePatients` and `EnvelopesOf`, bounded) that the chain still gives
 * them (`RecordsApi.envelope`: only with access now) is opened with the old key and sealed to the
 * new one with the same binding (genesis, record, version, grantee), replacing the old envelope
 * (`records.removeEnvelope`, then `records.addEnvelope` with the same purpose; the chain allows
 * one envelope per version and grantee). A record the holder lost access to is not re-sealed.
 *
 * The chain lets the holder add an envelope only for their own records or versions they wrote;
 * for the others the patient (or a delegate) re-seals with {@link resealToGrantee}.
 *
 * With guardian recovery: the holder gets their seed back from the guardian
 * (`recoverKeyRing`), then rotates to keys from a **new** recovery phrase, so the guardian's
 * copy opens nothing sealed afterwards.
 *
 * @module
 */

import type { Account } from '../chain/client.ts';
import { rotateKeyAgreementKey } from '../chain/practitioners.ts';
import * as records from '../chain/records.ts';
import type { Included } from '../chain/tx.ts';
import type { KeyEnvelope, PurposeOfUse, RecordId, RecordVersion } from '../chain/types.ts';
import { equalBytes } from '../bytes.ts';
import { sealEnvelope } from '../envelope.ts';
import { currentKey, type Actor, type FlowContext } from './context.ts';
import { bindingFor, dataKeyOf, openKeyEnvelope, sealFor } from './records.ts';

/** A held envelope the holder may not re-seal themselves: the patient must ({@link resealToGrantee}). */
export interface NeedsPatient {
  /** The version. */
  record: RecordId;
  /** Whose record it is. */
  patient: string;
}

/** What {@link resealHeld} did. */
export interface Resealed {
  /** Versions whose envelope was replaced by one sealed to the new key. */
  resealed: RecordId[];
  /** Versions already sealed to the new key (nothing to do). */
  current: RecordId[];
  /** Held envelopes of others' records the holder did not write: left as they are. */
  needsPatient: NeedsPatient[];
  /** Envelopes the chain no longer gives the holder (no access now): not re-sealed. */
  lostAccess: RecordId[];
}

/** Options of {@link resealHeld} and {@link rotateKeys}. */
export interface ResealOptions {
  /** At most this many patients' envelopes (default 256; `GranteePatients` is read in one page). */
  maxPatients?: number;
}

interface Held {
  version: RecordVersion;
  envelope: KeyEnvelope;
}

/**
 * Re-seals to `next`'s current key every envelope `previous` holds that is still readable and
 * not yet sealed to that key: opens it with `previous`'s keys, then removes it and adds the new
 * one (same purpose). Safe to run again after a failure half-way (what is done is `current`).
 *
 * @param previous - the holder with the keys the envelopes are sealed to now
 * @param next - the same signer with the new keys (published on chain already)
 * @throws `DispatchError` from `removeEnvelope`/`addEnvelope` (envelopes replaced before it stay
 *   replaced); `DecryptionError` if an envelope does not open with `previous`'s keys
 */
export async function resealHeld(ctx: FlowContext, previous: Actor, next: Actor, options: ResealOptions = {}): Promise<Resealed> {
  const me = ctx.chain.address(previous.signer.address);
  const newKey = currentKey(next);
  const out: Resealed = { resealed: [], current: [], needsPatient: [], lostAccess: [] };
  const mine: Held[] = [];
  for (const patient of await records.granteePatients(ctx.chain, me, options.maxPatients ?? 256)) {
    for (const id of await records.envelopesOf(ctx.chain, patient, me)) {
      const envelope = await records.envelope(ctx.chain, id, me);
      if (!envelope) {
        out.lostAccess.push(id);
        continue;
      }
      if (equalBytes(envelope.sealedTo, newKey.publicKey)) {
        out.current.push(id);
        continue;
      }
      const version = await records.recordVersion(ctx.chain, id);
      if (patient !== me && ctx.chain.address(version.author) !== me) {
        out.needsPatient.push({ record: id, patient });
        continue;
      }
      mine.push({ version, envelope });
    }
  }
  // Open everything first: nothing is removed unless every envelope opens.
  const sealed = await Promise.all(mine.map(async ({ version, envelope }) => {
    const dataKey = await openKeyEnvelope(ctx, previous, version, envelope);
    return sealEnvelope(dataKey, newKey.publicKey, newKey.keyVersion, bindingFor(ctx, version, me));
  }));
  // One signer: send() numbers the nonces in call order, so each remove precedes its add.
  await Promise.all(mine.flatMap(({ version, envelope }, i) => [
    records.removeEnvelope(ctx.chain, next.signer, version.id, me),
    records.addEnvelope(ctx.chain, next.signer, version.id, me, sealed[i]!, envelope.purpose),
  ]));
  out.resealed.push(...mine.map(({ version }) => version.id));
  return out;
}

/** What {@link rotateKeys} returns. */
export interface Rotation extends Resealed {
  /** The holder with the new keys (use it from now on). */
  actor: Actor;
  /** The rotation's inclusion. */
  included: Included;
}

/**
 * Rotates `holder`'s key-agreement key to `next`'s key version `nextKeyVersion` (a later
 * version of the same key ring, or keys from a new recovery phrase) and re-seals what the holder
 * still needs ({@link resealHeld}).
 *
 * @param role - `patient` (`records.rotatePatientKey`) or `practitioner`
 *   (`practitioners.rotateKeyAgreementKey`; envelopes the chain seals to the practitioner key)
 * @throws `DispatchError` (`records.UnknownPatient`, `records.InvalidKey`,
 *   `practitioners.SameKeyAgreementKey`…); as {@link resealHeld} (the key is rotated then: run
 *   {@link resealHeld} again with the old and new actor)
 */
export async function rotateKeys(
  ctx: FlowContext,
  holder: Actor,
  next: Actor['keys'],
  nextKeyVersion = 0,
  role: 'patient' | 'practitioner' = 'patient',
  options: ResealOptions = {},
): Promise<Rotation> {
  const actor: Actor = { signer: holder.signer, keys: next, keyVersion: nextKeyVersion };
  const key = currentKey(actor).publicKey;
  const included = role === 'patient'
    ? await records.rotatePatientKey(ctx.chain, holder.signer, key)
    : await rotateKeyAgreementKey(ctx.chain, holder.signer, key);
  return { ...await resealHeld(ctx, holder, actor, options), actor, included };
}

/**
 * The patient's side after a grantee rotated: replaces `grantee`'s envelope of `versionId` with
 * one sealed to the grantee's key published now (same purpose unless `purpose` is given).
 *
 * @throws `DispatchError` (`records.NoEnvelope` if the grantee has none, `records.NoConsent`…)
 */
export async function resealToGrantee(
  ctx: FlowContext,
  patient: Actor,
  versionId: RecordId,
  grantee: Account,
  granteeKeyVersion = 0,
  purpose?: PurposeOfUse,
): Promise<Included> {
  const old = await records.envelope(ctx.chain, versionId, grantee);
  const { dataKey, version } = await dataKeyOf(ctx, patient, versionId);
  const sealed = await sealFor(ctx, dataKey, version, grantee, granteeKeyVersion);
  const [, added] = await Promise.all([
    records.removeEnvelope(ctx.chain, patient.signer, versionId, grantee),
    records.addEnvelope(ctx.chain, patient.signer, versionId, grantee, sealed, purpose ?? old?.purpose ?? 'Treatment'),
  ]);
  return added;
}

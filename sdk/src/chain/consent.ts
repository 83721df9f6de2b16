/**
 * The consent pallet: granting and revoking a patient's consents, and the runtime's access
 * check (`ConsentApi.check_access`).
 *
 * @module
 */

import { toHex } from '../bytes.ts';
import type { Account, Signer, TelemedChain } from './client.ts';
import { eventOf, send, type Included } from './tx.ts';
import { big, type AccessAction, type ConsentId, type ConsentScope, type Decision, type PurposeOfUse } from './types.ts';

/** A consent to grant (`consent.grantConsent`'s arguments after the patient and grantee). */
export interface ConsentRequest {
  /** Permit (default) or deny. */
  decision?: Decision;
  /** What it allows: `['Read']` for a reader. */
  actions: AccessAction[];
  /** What it covers: all data, blinded tags or records. */
  scope: ConsentScope;
  /** For which purposes. */
  purposes: PurposeOfUse[];
  /** From when (ms), or now. */
  start?: number | null;
  /** Until when (ms), or until revoked. */
  end?: number | null;
}

function scopeArg(scope: ConsentScope): unknown {
  if (scope === 'AllData') return 'AllData';
  if ('Tags' in scope) return { Tags: scope.Tags.map(toHex) };
  return { Records: scope.Records };
}

/**
 * `consent.grantConsent`: `patient` (the signer or one they delegate for) lets `grantee` act.
 *
 * @returns the consent's id (`ConsentGranted.id`)
 */
export async function grantConsent(
  chain: TelemedChain,
  signer: Signer,
  patient: Account,
  grantee: Account,
  request: ConsentRequest,
): Promise<ConsentId> {
  const tx = chain.api.tx.consent!.grantConsent!(
    chain.address(patient), chain.address(grantee), request.decision ?? 'Permit', request.actions,
    scopeArg(request.scope), request.purposes, request.start ?? null, request.end ?? null);
  return big(eventOf(await send(chain, tx, signer), 'consent', 'ConsentGranted').fields.id);
}

/**
 * `consent.revokeConsent`: the consent stops counting, and the grantee's envelopes it covered
 * are removed in the same call (`records.EnvelopeRemoved` events).
 */
export async function revokeConsent(chain: TelemedChain, signer: Signer, id: ConsentId): Promise<Included> {
  return send(chain, chain.api.tx.consent!.revokeConsent!(id), signer);
}

/**
 * The target of an access check (`AccessTarget`): one record (its blinded tag and stable
 * identity), new data under a tag, or all of the patient's data.
 */
export type AccessTarget = { record: { tag: Uint8Array; record: bigint } } | { tag: Uint8Array } | 'AllData';

function targetArg(target: AccessTarget): unknown {
  if (target === 'AllData') return 'AllData';
  if ('record' in target) return { Record: { tag: toHex(target.record.tag), record: target.record.record } };
  return { Tag: toHex(target.tag) };
}

/**
 * Whether `accessor` may do `action` on `patient`'s data now (`ConsentApi.check_access`): the
 * basis (`{ consent: id }`, `'patient'`…) as JSON when allowed, else the denial's name.
 */
export async function checkAccess(
  chain: TelemedChain,
  accessor: Account,
  patient: Account,
  action: AccessAction,
  target: AccessTarget,
  purpose: PurposeOfUse,
): Promise<{ ok: unknown } | { err: string }> {
  const result = (await chain.api.call.consentApi!.checkAccess!(
    chain.address(accessor), chain.address(patient), action, targetArg(target), purpose)).toJSON() as { ok?: unknown; err?: unknown };
  return 'ok' in result ? { ok: result.ok } : { err: String(result.err) };
}

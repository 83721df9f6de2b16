/**
 * The consent pallet: granting and revoking a patient's consents, and the runtime's access
 * check (`ConsentApi.check_access`).
 *
 * @module
 */

import { toHex } from '../bytes.ts';
import type { Account, Signer, TelemedChain } from './client.ts';
import { eventOf, send, type Included } from './tx.ts';
import {
  big,
  delegationFromJson,
  disclosureFromJson,
  emergencyAccessFromJson,
  type AccessAction,
  type ConsentId,
  type ConsentScope,
  type Decision,
  type DelegateScope,
  type Delegation,
  type Disclosure,
  type EmergencyAccess,
  type EmergencyAccessId,
  type PurposeOfUse,
} from './types.ts';

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
 * basis (`{ consent: id }`, `'patient'`…) as JSON when allowed, else the denial's name (or its
 * JSON when it carries data: `{"explicitlyDenied":3}`).
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
  if ('ok' in result) return { ok: result.ok };
  // A unit denial is its name (`notLicensed`); one with data, e.g. `{"explicitlyDenied":3}`, its JSON.
  return { err: typeof result.err === 'string' ? result.err : JSON.stringify(result.err) };
}

/**
 * `consent.addDelegate`: the signer (a patient) appoints `delegate` with `scopes`, until `until`
 * (ms, exclusive) or until removed. Holds the delegation deposit.
 */
export async function addDelegate(
  chain: TelemedChain,
  signer: Signer,
  delegate: Account,
  scopes: readonly DelegateScope[],
  until: number | null = null,
): Promise<Included> {
  return send(chain, chain.api.tx.consent!.addDelegate!(chain.address(delegate), scopes, until), signer);
}

/** `consent.removeDelegate`: the patient removes `delegate`, or the delegate resigns. */
export async function removeDelegate(chain: TelemedChain, signer: Signer, patient: Account, delegate: Account): Promise<Included> {
  return send(chain, chain.api.tx.consent!.removeDelegate!(chain.address(patient), chain.address(delegate)), signer);
}

/** `delegate`'s appointment by `patient` (`Delegates`), or null. */
export async function delegation(chain: TelemedChain, patient: Account, delegate: Account): Promise<Delegation | null> {
  const json = (await chain.api.query.consent!.delegates!(chain.address(patient), chain.address(delegate))).toJSON() as
    Record<string, unknown> | null;
  return json && delegationFromJson(json);
}

/** Whether `delegation` covers `scope` at `now` (ms): the runtime's `Delegation::allows`. */
export function delegationAllows(delegation: Delegation | null, scope: DelegateScope, now: number): boolean {
  return delegation !== null && (delegation.until === null || now < delegation.until) && delegation.scopes.includes(scope);
}

/** The break-glass access `id` (`EmergencyAccesses`), or null. */
export async function emergencyAccess(chain: TelemedChain, id: EmergencyAccessId): Promise<EmergencyAccess | null> {
  const json = (await chain.api.query.consent!.emergencyAccesses!(id)).toJSON() as Record<string, unknown> | null;
  return json && emergencyAccessFromJson(json);
}

/** Whether `access` grants access at `now` (ms): the runtime's `EmergencyAccess::is_open`. */
export function emergencyIsOpen(access: EmergencyAccess | null, now: number): boolean {
  return access !== null && access.closedAt === null && now < access.expiresAt && access.review !== 'Unjustified';
}

/**
 * The break-glass accesses to `patient` not closed yet, one per practitioner (`OpenEmergency`
 * under the patient's prefix; bounded by the practitioners who broke the glass). An expired
 * one stays there until closed: check {@link emergencyIsOpen}.
 */
export async function openEmergencies(chain: TelemedChain, patient: Account): Promise<{ id: EmergencyAccessId; practitioner: string }[]> {
  const entries = await chain.api.query.consent!.openEmergency!.entries(chain.address(patient));
  return entries.map(([key, value]) => ({
    id: big(value.toJSON()),
    practitioner: chain.address(key.args[1]!.toU8a()),
  }));
}

/**
 * `patient`'s accounting of disclosures from number `from`, at most `max`
 * (`ConsentApi.disclosures`), with their numbers.
 */
export async function disclosures(chain: TelemedChain, patient: Account, from = 0, max = 100): Promise<[bigint, Disclosure][]> {
  const json = (await chain.api.call.consentApi!.disclosures!(chain.address(patient), from, max)).toJSON() as
    [number | string, Record<string, unknown>][];
  return json.map(([seq, d]) => [big(seq), disclosureFromJson(d)]);
}

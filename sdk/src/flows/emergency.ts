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

import { toHex } from '../bytes.ts';
import type { Account, TelemedChain } from '../chain/client.ts';
import * as consent from '../chain/consent.ts';
import { ChainError } from '../chain/errors.ts';
import * as records from '../chain/records.ts';
import type { Included } from '../chain/tx.ts';
import { delegationFromJson, type EmergencyAccessId, type PurposeOfUse, type RecordId, type RecordVersion } from '../chain/types.ts';
import { ENVELOPE_LENGTH } from '../envelope.ts';
import type { Actor, FlowContext } from './context.ts';
import { dataKeyOf, sealFor } from './records.ts';
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
 * (opened from the patient's own envelopes), each an envelope with purpose
 * `EmergencyTreatment` (the chain holds custody envelopes only with that purpose). Sent together
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
): Promise<RecordId[]> {
  await Promise.all(versions.map((v) => sealToGrantee(ctx, patient, v, custodian, EMERGENCY_PURPOSE)));
  return [...versions];
}

/** What {@link releaseToEmergency} did with one version. */
export type Release = 'sealed' | 'already';

/**
 * Why a release is not sent. A refused `add_envelope` is still included with its arguments, so
 * its sealed key would be public and the practitioner could open it: the custodian checks these
 * first and sends nothing when one holds.
 *
 * - `UnknownRecord`: no such version, or it was shredded.
 * - `NotCurrent`: a later version replaced it (only current versions are released).
 * - `NotHeld`: the custodian holds no custody envelope of it (one with purpose
 *   `EmergencyTreatment`: an envelope it holds under a consent is never released).
 * - `NotEmergency`: the practitioner's read access to it for `EmergencyTreatment` does not rest
 *   on a break-glass access now (closed, expired, reviewed unjustified, endorsement or licence
 *   gone: the chain would answer `NotPermitted`).
 * - `OtherEmergency`: it rests on another break-glass access than the one being served.
 * - `TooManyEnvelopes`: the version has `MaxEnvelopesPerRecord` envelopes.
 * - `TooManyGranteeEnvelopes`: the practitioner holds `MaxEnvelopesPerGrantee` of the
 *   patient's.
 * - `InsufficientBalance`: the custodian's free balance does not cover the envelope deposit
 *   and the fee and leave the existential deposit (a hold keeps the account alive).
 */
export type ReleaseRefusal =
  | 'UnknownRecord'
  | 'NotCurrent'
  | 'NotHeld'
  | 'NotEmergency'
  | 'OtherEmergency'
  | 'TooManyEnvelopes'
  | 'TooManyGranteeEnvelopes'
  | 'InsufficientBalance';

/** A release the custodian did not send ({@link ReleaseRefusal}): nothing reached the chain. */
export class ReleaseRefused extends ChainError {
  /** Why. */
  readonly reason: ReleaseRefusal;

  /** @param reason - why */
  constructor(reason: ReleaseRefusal) {
    super(`release not sent: ${reason}`);
    this.reason = reason;
  }
}

/** What the chain says, at one block, about releasing a version to a practitioner. */
export interface ReleaseFacts {
  /** The version (null: unknown or shredded). */
  version: RecordVersion | null;
  /** Whether the custodian holds a custody envelope of it (`Envelopes`, purpose `EmergencyTreatment`). */
  custodianHolds: boolean;
  /**
   * The practitioner's access to it for `EmergencyTreatment` (`ConsentApi.check_access(…,
   * Read, Record{tag, record}, EmergencyTreatment)`): the basis JSON or the denial.
   */
  access: { ok: unknown } | { err: string };
  /** The versions of the patient's records the practitioner holds envelopes for. */
  practitionerHolds: RecordId[];
  /** `records.MaxEnvelopesPerRecord`. */
  maxEnvelopesPerRecord: number;
  /** `records.MaxEnvelopesPerGrantee` (per grantee and patient). */
  maxEnvelopesPerGrantee: number;
  /** The custodian's free balance. */
  free: bigint;
  /** `records.EnvelopeDeposit`. */
  deposit: bigint;
  /** The fee of the `add_envelope` (`payment_queryInfo`'s partial fee). */
  fee: bigint;
  /** `balances.ExistentialDeposit`: what a hold must leave free. */
  existentialDeposit: bigint;
}

/** The break-glass access id a check-access basis rests on (`{ emergency: id }`), or null. */
export function emergencyBasis(basis: unknown): EmergencyAccessId | null {
  if (basis === null || typeof basis !== 'object') return null;
  const id = (basis as Record<string, unknown>).emergency ?? (basis as Record<string, unknown>).Emergency;
  return typeof id === 'number' || typeof id === 'string' || typeof id === 'bigint' ? BigInt(id) : null;
}

/**
 * What to do with version `versionId` for break-glass access `emergency`, given `facts`:
 * `'already'` (the practitioner has an envelope: nothing to send), `'release'`, or the first
 * {@link ReleaseRefusal} that holds.
 */
export function releaseDecision(facts: ReleaseFacts, versionId: RecordId, emergency: EmergencyAccessId): 'release' | 'already' | ReleaseRefusal {
  const { version } = facts;
  if (!version) return 'UnknownRecord';
  if (facts.practitionerHolds.includes(versionId)) return 'already';
  if (version.supersededBy !== null) return 'NotCurrent';
  if (!facts.custodianHolds) return 'NotHeld';
  if (!('ok' in facts.access)) return 'NotEmergency';
  const basis = emergencyBasis(facts.access.ok);
  if (basis === null) return 'NotEmergency';
  if (basis !== emergency) return 'OtherEmergency';
  if (version.envelopes >= facts.maxEnvelopesPerRecord) return 'TooManyEnvelopes';
  if (facts.practitionerHolds.length >= facts.maxEnvelopesPerGrantee) return 'TooManyGranteeEnvelopes';
  if (facts.free < facts.deposit + facts.fee + facts.existentialDeposit) return 'InsufficientBalance';
  return 'release';
}

/**
 * The {@link ReleaseFacts} of releasing version `versionId` held by `custodian` to
 * `practitioner`, read at the best block (one block for all of them, so they agree).
 */
export async function releaseFacts(ctx: FlowContext, custodian: Account, versionId: RecordId, practitioner: Account): Promise<ReleaseFacts> {
  const best = (await ctx.chain.api.rpc.chain.getBlockHash()).toHex();
  const view = await ctx.chain.at(best);
  const entry = await records.recordEntry(view, versionId);
  const version = entry && !entry.shredded ? entry.version : null;
  const consts = view.api.consts.records!;
  const fee = (await ctx.chain.api.tx.records!.addEnvelope!(
    versionId, ctx.chain.address(practitioner), toHex(new Uint8Array(ENVELOPE_LENGTH)), EMERGENCY_PURPOSE,
  ).paymentInfo(ctx.chain.address(custodian))).partialFee.toBigInt();
  const base = {
    maxEnvelopesPerRecord: Number(consts.maxEnvelopesPerRecord!.toString()),
    maxEnvelopesPerGrantee: Number(consts.maxEnvelopesPerGrantee!.toString()),
    deposit: BigInt(consts.envelopeDeposit!.toString()),
    existentialDeposit: BigInt(view.api.consts.balances!.existentialDeposit!.toString()),
    free: await freeBalance(view, custodian),
    fee,
  };
  if (!version) return { ...base, version, custodianHolds: false, access: { err: 'unknownRecord' }, practitionerHolds: [] };
  const [custodianHolds, practitionerHolds, access] = await Promise.all([
    holdsCustody(view, versionId, custodian),
    records.envelopesOf(view, version.patient, practitioner),
    consent.checkAccess(view, practitioner, version.patient, 'Read', { record: { tag: version.tag, record: version.record } }, EMERGENCY_PURPOSE),
  ]);
  return { ...base, version, custodianHolds, access, practitionerHolds };
}

/** Whether `custodian` holds a custody envelope (purpose `EmergencyTreatment`) of version `versionId`. */
export async function holdsCustody(chain: TelemedChain, versionId: RecordId, custodian: Account): Promise<boolean> {
  return (await records.storedEnvelope(chain, versionId, custodian))?.purpose === EMERGENCY_PURPOSE;
}

/** `who`'s free balance (`system.account`). */
export async function freeBalance(chain: TelemedChain, who: Account): Promise<bigint> {
  const json = (await chain.api.query.system!.account!(chain.address(who))).toJSON() as { data: { free: number | string } };
  return BigInt(json.data.free);
}

/** Options of {@link releaseToEmergency} and {@link sendRelease}. */
export interface ReleaseOptions {
  /** The key version of the practitioner's published key (0 unless known otherwise). */
  practitionerKeyVersion?: number;
  /** The transaction's mortality in blocks (default {@link RELEASE_MORTALITY}). */
  mortality?: number;
}

/**
 * The default mortality of a release (blocks): it lands within a few blocks of its checks or
 * never. @polkadot/api dates a mortal transaction from the finalized block when finality lags
 * at most 5 blocks, so 16 leaves it at least 11 best blocks.
 */
export const RELEASE_MORTALITY = 16;

/**
 * Seals version `versionId`'s key (opened from the custodian's envelope) to `practitioner` and
 * sends `records.addEnvelope(…, EmergencyTreatment)` with a short mortality, WITHOUT the checks
 * of {@link releaseToEmergency}: only for a caller that made them just before
 * ({@link releaseFacts}, {@link releaseDecision}).
 */
export async function sendRelease(
  ctx: FlowContext,
  custodian: Actor,
  versionId: RecordId,
  practitioner: Account,
  options: ReleaseOptions = {},
): Promise<Included> {
  const { dataKey, version } = await dataKeyOf(ctx, custodian, versionId);
  const sealed = await sealFor(ctx, dataKey, version, practitioner, options.practitionerKeyVersion ?? 0);
  return records.addEnvelope(ctx.chain, custodian.signer, versionId, practitioner, sealed, EMERGENCY_PURPOSE,
    { mortality: options.mortality ?? RELEASE_MORTALITY });
}

/**
 * The custodian's side of break-glass access `emergency`: checks at the best block
 * ({@link releaseFacts}, {@link releaseDecision}) that the practitioner's access to version
 * `versionId` rests on that access, that the version is current and has room, that the
 * practitioner has no envelope yet and the custodian's balance covers deposit and fee; then
 * opens its envelope, seals the data key to `practitioner`'s published key (bound to the
 * practitioner) and submits `records.addEnvelope(versionId, practitioner, sealed,
 * EmergencyTreatment)` with a short mortality. A version the practitioner already has an
 * envelope for is left alone (`'already'`), so a release can be repeated safely.
 *
 * A release that passed the checks can still be refused if the access closes in the same block
 * (nothing off chain can prevent that race); the opening already logged an `AllData` disclosure
 * on the emergency's basis, so every version the custodian holds counts as disclosed from then.
 *
 * @throws {@link ReleaseRefused} (nothing sent); `NotFoundError` (no envelope of the
 *   custodian's, no key of the practitioner's); `DecryptionError` (the custodian's envelope does
 *   not open); `DispatchError` (refused in the block: do not send it again, its argument is
 *   public); `TransactionError` (not included: may be tried again)
 */
export async function releaseToEmergency(
  ctx: FlowContext,
  custodian: Actor,
  versionId: RecordId,
  practitioner: Account,
  emergency: EmergencyAccessId,
  options: ReleaseOptions = {},
): Promise<Release> {
  const facts = await releaseFacts(ctx, custodian.signer.address, versionId, practitioner);
  const decision = releaseDecision(facts, versionId, emergency);
  if (decision === 'already') return 'already';
  if (decision !== 'release') throw new ReleaseRefused(decision);
  await sendRelease(ctx, custodian, versionId, practitioner, options);
  return 'sealed';
}

/**
 * The patient's emergency custodians (delegates with `EmergencyCustodian` valid at `now`)
 * among `patient`'s delegates (`Delegates` under the patient's prefix, bounded by
 * `MaxDelegates`).
 */
export async function custodiansOf(ctx: FlowContext, patient: Account, now: number): Promise<string[]> {
  const entries = await ctx.chain.api.query.consent!.delegates!.entries(ctx.chain.address(patient));
  return entries
    .filter(([, value]) => consent.delegationAllows(delegationFromJson(value.toJSON() as Record<string, unknown>), EMERGENCY_CUSTODIAN, now))
    .map(([key]) => ctx.chain.address(key.args[1]!.toU8a()));
}

/**
 * The patient's custodians now that hold a custody envelope (purpose `EmergencyTreatment`) of
 * version `previous`: what the amend and re-key flows re-seal the next version to. An envelope a
 * custodian holds under a consent does not count (it ends with the consent).
 */
export async function custodiansHolding(ctx: FlowContext, patient: Account, previous: RecordId): Promise<string[]> {
  const holding: string[] = [];
  for (const custodian of await custodiansOf(ctx, patient, await ctx.chain.now())) {
    if (await holdsCustody(ctx.chain, previous, custodian)) holding.push(custodian);
  }
  return holding;
}

/**
 * Whether `author` may seal custody envelopes of `patient`'s records: the patient, or a delegate
 * with `AccessRecords` now (the chain refuses a custody envelope from a practitioner author:
 * which keys a custodian may release is the patient's decision).
 */
export async function actsForPatient(ctx: FlowContext, patient: Account, author: Account): Promise<boolean> {
  if (ctx.chain.address(patient) === ctx.chain.address(author)) return true;
  return consent.delegationAllows(await consent.delegation(ctx.chain, patient, author), 'AccessRecords', await ctx.chain.now());
}

/**
 * The patient's side after someone else (a practitioner) amended a record: seals the data key
 * of the record's current version (`RecordsApi.record_history`: its last version) to each of
 * the patient's emergency custodians that holds a custody envelope of an earlier version but
 * none of the current one, purpose `EmergencyTreatment`. An author cannot do this for the
 * patient, and the custodian releases only current versions.
 *
 * @param versionId - any version of the record
 * @returns the custodians sealed to
 * @throws as {@link sealToGrantee} (the patient needs an envelope of the current version)
 */
export async function renewCustody(ctx: FlowContext, patient: Actor, versionId: RecordId): Promise<string[]> {
  const history = await records.recordHistory(ctx.chain, versionId);
  const current = history.at(-1);
  if (!current) return [];
  const renewed: string[] = [];
  for (const custodian of await custodiansOf(ctx, patient.signer.address, await ctx.chain.now())) {
    if (await holdsCustody(ctx.chain, current.id, custodian)) continue;
    let held = false;
    for (const earlier of history.slice(0, -1)) held ||= await holdsCustody(ctx.chain, earlier.id, custodian);
    if (!held) continue;
    await sealToGrantee(ctx, patient, current.id, custodian, EMERGENCY_PURPOSE);
    renewed.push(custodian);
  }
  return renewed;
}

/**
 * The versions of `patient`'s records `custodian` holds envelopes for (`EnvelopesOf`, at most
 * `MaxEnvelopesPerGrantee`): what it can release in an emergency.
 */
export async function custodianHoldings(ctx: FlowContext, patient: Account, custodian: Account): Promise<RecordId[]> {
  return records.envelopesOf(ctx.chain, patient, custodian);
}

/**
 * The runtime's telemed types as the SDK hands them out: byte fields as `Uint8Array`, ids and
 * balances as `bigint`, accounts as SS58 addresses. Decoded from the node's metadata (through
 * `toJSON`) and converted here, so the rest of the SDK never sees a codec.
 *
 * @module
 */

import { fromHex } from '../bytes.ts';

/** A record version's id (`RecordId`, a `u64`). */
export type RecordId = bigint;
/** A consent's id (`ConsentId`, a `u64`). */
export type ConsentId = bigint;
/** A consultation's id (`ConsultationId`, a `u64`). */
export type ConsultationId = bigint;

/** `PurposeOfUse`: why an access happens (consents and envelopes are scoped by it). */
export type PurposeOfUse = 'Treatment' | 'Payment' | 'Operations' | 'Research' | 'EmergencyTreatment';

/** `AccessAction`: what a consent allows or denies. */
export type AccessAction = 'Read' | 'Append' | 'Amend';

/** `Decision` of a consent. */
export type Decision = 'Permit' | 'Deny';

/**
 * `DelegateScope`: what a patient lets a delegate do. `EmergencyCustodian` (a key service) may
 * only seal the data keys it holds to a practitioner whose break-glass access is open now.
 */
export type DelegateScope =
  | 'ManageConsents' | 'ViewDisclosureLog' | 'BookCare' | 'AccessRecords' | 'ShredRecords' | 'EmergencyCustodian';

/** An emergency (break-glass) access's id (`EmergencyAccessId`, a `u64`). */
export type EmergencyAccessId = bigint;

/** A delegate's appointment (`Delegation`). */
export interface Delegation {
  /** What the delegate may do. */
  scopes: DelegateScope[];
  /** When the appointment ends (ms, exclusive), or null until removed. */
  until: number | null;
  /** When the patient appointed them (ms). */
  since: number;
}

/** A break-glass access (`EmergencyAccess`). */
export interface EmergencyAccess {
  /** Who broke the glass. */
  practitioner: string;
  /** Whose data. */
  patient: string;
  /** When it opened (ms). */
  openedAt: number;
  /** When it stops counting, at the latest (ms). */
  expiresAt: number;
  /** When it was closed early, if it was. */
  closedAt: number | null;
  /** The review: `'Pending'`, `'Justified'` or `'Unjustified'`. */
  review: string;
}

/** One entry of a patient's accounting of disclosures (`Disclosure`), as JSON fields. */
export interface Disclosure {
  /** Who accessed the data. */
  accessor: string;
  /** What was disclosed, as the runtime's JSON (`{ record: 7 }`, `'allData'`…). */
  data: unknown;
  /** What was done. */
  action: AccessAction;
  /** Why. */
  purpose: PurposeOfUse;
  /** On what grounds, as JSON (`'patient'`, `{ consent: 1 }`, `{ emergency: 3 }`…). */
  basis: unknown;
  /** When (ms). */
  at: number;
}

/** `ScopeRequest`: what a consent covers. */
export type ConsentScope = 'AllData' | { Tags: Uint8Array[] } | { Records: RecordId[] };

/** `VersionKind`: how a version came to be. */
export type VersionKind = 'Original' | 'Amendment' | 'ReKey';

/** A record version that is not shredded (`Record`). */
export interface RecordVersion {
  /** This version's id. */
  id: RecordId;
  /** Whose record it is. */
  patient: string;
  /** Who added this version. */
  author: string;
  /** The blinded tag (32 bytes). */
  tag: Uint8Array;
  /** `blake2_256(salt ‖ resource)`. */
  commitment: Uint8Array;
  /** `blake2_256(ciphertext)`. */
  ciphertextHash: Uint8Array;
  /** The ciphertext is `2^sizeClass` bytes. */
  sizeClass: number;
  /** The sealed locator; empty once a re-key replaced this version. */
  locator: Uint8Array;
  /** When it was added (ms). */
  createdAt: number;
  /** The record's stable identity (its first version's id): part of the envelope binding. */
  record: RecordId;
  /** 1 for the first version: part of the envelope binding. */
  version: number;
  /** The version it replaced. */
  supersedes: RecordId | null;
  /** Original, amendment or re-key. */
  kind: VersionKind;
  /** The version that replaced this one, or null while it is current. */
  supersededBy: RecordId | null;
  /** How many envelopes it has. */
  envelopes: number;
}

/** A stored version: live, or shredded (only its commitment and the time are left). */
export type RecordEntry =
  | { shredded: false; version: RecordVersion }
  | { shredded: true; commitment: Uint8Array; at: number };

/** A grantee's envelope for a version (`KeyEnvelope`). */
export interface KeyEnvelope {
  /** The sealed data key (FORMATS.md, "Key envelope"). */
  sealed: Uint8Array;
  /** The grantee key it was sealed to. */
  sealedTo: Uint8Array;
  /** The purpose the grantee has access for. */
  purpose: PurposeOfUse;
  /** Who added it and paid its deposit. */
  depositor: string;
}

/** A registered patient (`Patient`). */
export interface PatientInfo {
  /** The X25519 key-agreement public key. */
  key: Uint8Array;
  /** The deposit held. */
  deposit: bigint;
  /** When they registered (ms). */
  registeredAt: number;
}

/** A price quote (`Quote`). */
export interface Quote {
  /** The service's price. */
  price: bigint;
  /** What the patient pays. */
  patientShare: bigint;
  /** What the insurer pays. */
  insurerShare: bigint;
}

type Json = Record<string, unknown>;

/** @internal */
export function bytes(value: unknown): Uint8Array {
  return fromHex(String(value));
}

/** @internal */
export function big(value: unknown): bigint {
  return BigInt(value as string | number);
}

/** @internal Converts `RecordEntry` JSON (`{ live }` / `{ shredded }`) of version `id`. */
export function recordEntryFromJson(id: RecordId, json: Json): RecordEntry {
  if ('shredded' in json) {
    const s = json.shredded as Json;
    return { shredded: true, commitment: bytes(s.commitment), at: Number(s.at) };
  }
  return { shredded: false, version: recordFromJson(id, json.live as Json) };
}

/** @internal Converts `Record` JSON of version `id`. */
export function recordFromJson(id: RecordId, r: Json): RecordVersion {
  const status = r.status as Json;
  const superseded = status.superseded as Json | undefined;
  return {
    id,
    patient: String(r.patient),
    author: String(r.author),
    tag: bytes(r.tag),
    commitment: bytes(r.commitment),
    ciphertextHash: bytes(r.ciphertextHash),
    sizeClass: Number(r.sizeClass),
    locator: bytes(r.locator),
    createdAt: Number(r.createdAt),
    record: big(r.record),
    version: Number(r.version),
    supersedes: r.supersedes === null ? null : big(r.supersedes),
    kind: String(r.kind) as VersionKind,
    supersededBy: superseded ? big(superseded.by) : null,
    envelopes: Number(r.envelopes),
  };
}

/** @internal Converts `KeyEnvelope` JSON. */
export function envelopeFromJson(e: Json): KeyEnvelope {
  return {
    sealed: bytes(e.sealed),
    sealedTo: bytes(e.sealedTo),
    purpose: String(e.purpose) as PurposeOfUse,
    depositor: String(e.depositor),
  };
}

/** @internal Converts `Delegation` JSON. */
export function delegationFromJson(d: Json): Delegation {
  return {
    scopes: (d.scopes as string[]).map((x) => pascal(x) as DelegateScope),
    until: d.until === null || d.until === undefined ? null : Number(d.until),
    since: Number(d.since),
  };
}

/** @internal Converts `EmergencyAccess` JSON. */
export function emergencyAccessFromJson(e: Json): EmergencyAccess {
  return {
    practitioner: String(e.practitioner),
    patient: String(e.patient),
    openedAt: Number(e.openedAt),
    expiresAt: Number(e.expiresAt),
    closedAt: e.closedAt === null || e.closedAt === undefined ? null : Number(e.closedAt),
    review: pascal(String(e.review)),
  };
}

/** @internal Converts `Disclosure` JSON. */
export function disclosureFromJson(d: Json): Disclosure {
  return {
    accessor: String(d.accessor),
    data: d.data,
    action: pascal(String(d.action)) as AccessAction,
    purpose: pascal(String(d.purpose)) as PurposeOfUse,
    basis: d.basis,
    at: Number(d.at),
  };
}

/** `emergencyCustodian` (a unit enum variant in @polkadot/api's JSON) → `EmergencyCustodian`. */
function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

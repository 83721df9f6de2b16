/**
 * The prescriptions pallet: issue, dispense with a one-time secret, amend, cancel, expire; the
 * stored prescription (for the patient and the pharmacist to check against) and the runtime's
 * `PrescriptionsApi` views. A refusal throws {@link DispatchError} (`prescriptions.WrongSecret`…).
 *
 * @module
 */

import { toHex } from '../bytes.ts';
import type { Account, Signer, TelemedChain } from './client.ts';
import { eventOf, send, type Included } from './tx.ts';
import { big, bytes } from './types.ts';

/** A prescription (version) id. */
export type PrescriptionId = bigint;

/** Whether a prescription can be dispensed now, or why not (`PrescriptionStanding`). */
export type PrescriptionStanding = 'Dispensable' | 'Expired' | 'PrescriberNotLicensed' | 'PrescriberRevoked';

/** What `issue` and `amend` anchor. */
export interface PrescriptionTerms {
  /** `blake2_256(salt ‖ content)`. */
  commitment: Uint8Array;
  /** `blake2_256` of the content's ciphertext (a gateway serves that blob only). */
  ciphertextHash: Uint8Array;
  /** The sealed prescription key (`sealPrescriptionKey`), or empty. */
  locator: Uint8Array;
  /** How many fills it allows in all (an amendment: fills made included). */
  fills: number;
  /** When it stops being dispensable (ms). */
  expiresAt: number;
  /** A controlled substance (consent to the pharmacist, a minimum refill interval). */
  controlled: boolean;
  /** `blake2_256` of each remaining fill's secret, in fill order. */
  dispenseHashes: Uint8Array[];
}

/** An open prescription version as stored (`prescriptions.prescriptions(id)`). */
export interface StoredPrescription {
  /** Its id. */
  id: PrescriptionId;
  /** For whom (SS58). */
  patient: string;
  /** Who prescribed it (SS58). */
  prescriber: string;
  /** The salted commitment to the content. */
  commitment: Uint8Array;
  /** `blake2_256` of the content's ciphertext; null for a version issued before the chain kept it. */
  ciphertextHash: Uint8Array | null;
  /** The sealed prescription key. */
  locator: Uint8Array;
  /** Fills allowed in all, over every version. */
  fillsAllowed: number;
  /** Fills made, over every version. */
  fillsUsed: number;
  /** Fills made under earlier versions. */
  carried: number;
  /** The secret hashes of this version's fills (fill `carried + 1` first). */
  dispenseHashes: Uint8Array[];
  /** The hashes of the secrets presented so far. */
  spent: Uint8Array[];
  /** A controlled substance. */
  controlled: boolean;
  /** When this version was issued (ms). */
  issuedAt: number;
  /** When it expires (ms). */
  expiresAt: number;
  /** When the latest fill was made (ms). */
  lastFillAt: number | null;
  /** The version it superseded. */
  previous: PrescriptionId | null;
}

/** `PrescriptionsApi.prescription`: counts, times and standing (no secrets, no locator). */
export interface PrescriptionView {
  /** For whom (SS58). */
  patient: string;
  /** Who prescribed it (SS58). */
  prescriber: string;
  /** The salted commitment. */
  commitment: Uint8Array;
  /** Fills allowed in all. */
  fillsAllowed: number;
  /** Fills made. */
  fillsUsed: number;
  /** A controlled substance. */
  controlled: boolean;
  /** When this version was issued (ms). */
  issuedAt: number;
  /** When it expires (ms). */
  expiresAt: number;
  /** When the latest fill was made (ms). */
  lastFillAt: number | null;
  /** The earliest time of the next fill, if later than now (ms). */
  nextFillNotBefore: number | null;
  /** The version it superseded. */
  previous: PrescriptionId | null;
  /** Whether it can be dispensed now, or why not. */
  standing: PrescriptionStanding;
}

/** A fill (`Dispensed`). */
export interface Fill {
  /** The prescription. */
  id: PrescriptionId;
  /** The fill's number, from 1. */
  fill: number;
  /** Fills left (0: closed, the deposit returned). */
  remaining: number;
  /** Who dispensed it (SS58). */
  pharmacist: string;
}

type Json = Record<string, unknown>;

function optionalNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

function optionalId(value: unknown): PrescriptionId | null {
  return value === null || value === undefined ? null : big(value);
}

function termsArgs(terms: PrescriptionTerms): unknown[] {
  return [
    toHex(terms.commitment), toHex(terms.ciphertextHash), toHex(terms.locator), terms.fills, terms.expiresAt, terms.controlled,
    terms.dispenseHashes.map(toHex),
  ];
}

/** `prescriptions.issue` (a prescriber): returns the new prescription's id (`Issued.id`). */
export async function issue(chain: TelemedChain, signer: Signer, patient: Account, terms: PrescriptionTerms): Promise<PrescriptionId> {
  const tx = chain.api.tx.prescriptions!.issue!(chain.address(patient), ...termsArgs(terms));
  return big(eventOf(await send(chain, tx, signer), 'prescriptions', 'Issued').fields.id);
}

/** `prescriptions.amend` (the prescriber): returns the new version's id (`Amended.id`). */
export async function amend(chain: TelemedChain, signer: Signer, id: PrescriptionId, terms: PrescriptionTerms): Promise<PrescriptionId> {
  const tx = chain.api.tx.prescriptions!.amend!(id, ...termsArgs(terms));
  return big(eventOf(await send(chain, tx, signer), 'prescriptions', 'Amended').fields.id);
}

/** `prescriptions.dispense` (a pharmacist): presents the next fill's secret. */
export async function dispense(chain: TelemedChain, signer: Signer, id: PrescriptionId, secret: Uint8Array): Promise<Fill> {
  const { fields } = eventOf(await send(chain, chain.api.tx.prescriptions!.dispense!(id, toHex(secret)), signer), 'prescriptions', 'Dispensed');
  return { id: big(fields.id), fill: Number(fields.fill), remaining: Number(fields.remaining), pharmacist: String(fields.pharmacist) };
}

/** `prescriptions.cancel` (the prescriber or the patient). */
export async function cancel(chain: TelemedChain, signer: Signer, id: PrescriptionId): Promise<Included> {
  return send(chain, chain.api.tx.prescriptions!.cancel!(id), signer);
}

/** `prescriptions.expire` (anyone, once expired). */
export async function expire(chain: TelemedChain, signer: Signer, id: PrescriptionId): Promise<Included> {
  return send(chain, chain.api.tx.prescriptions!.expire!(id), signer);
}

/** The open prescription version `id` as stored, or null (closed, superseded, never issued). */
export async function stored(chain: TelemedChain, id: PrescriptionId): Promise<StoredPrescription | null> {
  const p = (await chain.api.query.prescriptions!.prescriptions!(id)).toJSON() as Json | null;
  if (!p) return null;
  return {
    id,
    patient: String(p.patient),
    prescriber: String(p.prescriber),
    commitment: bytes(p.commitment),
    ciphertextHash: p.ciphertextHash === null || p.ciphertextHash === undefined ? null : bytes(p.ciphertextHash),
    locator: bytes(p.locator),
    fillsAllowed: Number(p.fillsAllowed),
    fillsUsed: Number(p.fillsUsed),
    carried: Number(p.carried),
    dispenseHashes: (p.dispenseHashes as unknown[]).map(bytes),
    spent: (p.spent as unknown[]).map(bytes),
    controlled: Boolean(p.controlled),
    issuedAt: Number(p.issuedAt),
    expiresAt: Number(p.expiresAt),
    lastFillAt: optionalNumber(p.lastFillAt),
    previous: optionalId(p.previous),
  };
}

function viewFromJson(v: Json): PrescriptionView {
  return {
    patient: String(v.patient),
    prescriber: String(v.prescriber),
    commitment: bytes(v.commitment),
    fillsAllowed: Number(v.fillsAllowed),
    fillsUsed: Number(v.fillsUsed),
    controlled: Boolean(v.controlled),
    issuedAt: Number(v.issuedAt),
    expiresAt: Number(v.expiresAt),
    lastFillAt: optionalNumber(v.lastFillAt),
    nextFillNotBefore: optionalNumber(v.nextFillNotBefore),
    previous: optionalId(v.previous),
    standing: String(v.standing) as PrescriptionStanding,
  };
}

/** `PrescriptionsApi.prescription(id)`: the view of an open prescription, or null. */
export async function view(chain: TelemedChain, id: PrescriptionId): Promise<PrescriptionView | null> {
  const json = (await chain.api.call.prescriptionsApi!.prescription!(id)).toJSON() as Json | null;
  return json ? viewFromJson(json) : null;
}

/** `PrescriptionsApi.prescriptions_of(patient)`: the patient's open prescriptions. */
export async function prescriptionsOf(chain: TelemedChain, patient: Account): Promise<[PrescriptionId, PrescriptionView][]> {
  const json = (await chain.api.call.prescriptionsApi!.prescriptionsOf!(chain.address(patient))).toJSON() as [unknown, Json][];
  return json.map(([id, v]) => [big(id), viewFromJson(v)]);
}

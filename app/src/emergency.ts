/**
 * Break-glass for the clinician: open an emergency access to a patient with a statement of
 * why (only its blake2b-256 hash goes on chain: `consent.openEmergencyAccess`), list the
 * clinician's accesses not closed yet, close one. Reading the patient's records on that basis
 * needs the patient's emergency custodian to release their keys (the SDK's
 * `releaseToEmergency`), which this app does not run.
 *
 * **Scan.** `consent.openEmergency` is keyed by patient, then practitioner: listing one
 * practitioner's accesses reads every entry (`entries()`: the accesses not closed yet, of every
 * practitioner) and filters here. Fine for a development or small network; a large one needs a
 * runtime API or an indexer.
 *
 * @module
 */

import { blake2b } from '@noble/hashes/blake2.js';
import { consent, send, toHex, type Included, type Signer, type TelemedChain } from '@telemed/sdk';

/** The shortest statement accepted: a few words, not a placeholder. */
export const MIN_STATEMENT_LENGTH = 10;

/** The statement typed by the clinician, checked (trimmed, at least a few words). */
export function checkStatement(text: string): string {
  const statement = text.trim();
  if (statement.length < MIN_STATEMENT_LENGTH) {
    throw new RangeError(`Write why you need emergency access (at least ${MIN_STATEMENT_LENGTH} characters). It stays in this browser; only its hash goes on chain.`);
  }
  return statement;
}

/** The commitment of a statement: blake2b-256 of its UTF-8 text. */
export function statementHash(statement: string): Uint8Array {
  return blake2b(new TextEncoder().encode(statement), { dkLen: 32 });
}

/** A duration in words: `4 hours`, `90 minutes`, `1 hour 30 minutes`. */
export function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  const h = hours === 0 ? '' : `${hours} hour${hours === 1 ? '' : 's'}`;
  const m = rest === 0 ? '' : `${rest} minute${rest === 1 ? '' : 's'}`;
  return [h, m].filter(Boolean).join(' ') || '0 minutes';
}

/** What breaking the glass costs and lasts, from the runtime's constants. */
export async function emergencyTerms(chain: TelemedChain): Promise<{ deposit: bigint; durationMs: number }> {
  const consts = chain.api.consts.consent!;
  return {
    deposit: BigInt(consts.emergencyDeposit!.toString()),
    durationMs: Number(consts.emergencyAccessDuration!.toString()),
  };
}

/** `consent.openEmergencyAccess(patient, hash)`; the access's id. */
export async function openEmergencyAccess(chain: TelemedChain, signer: Signer, patient: string, statement: string): Promise<bigint> {
  const included = await send(chain, chain.api.tx.consent!.openEmergencyAccess!(patient, toHex(statementHash(checkStatement(statement)))), signer);
  const opened = included.events.find((e) => e.pallet === 'consent' && e.name === 'EmergencyAccessOpened');
  if (!opened) throw new Error('The chain opened no emergency access.');
  return BigInt(String(opened.fields.id));
}

/** `consent.closeEmergencyAccess(id)`: ends it before it expires (the review is still owed). */
export async function closeEmergencyAccess(chain: TelemedChain, signer: Signer, id: bigint): Promise<Included> {
  return send(chain, chain.api.tx.consent!.closeEmergencyAccess!(id), signer);
}

/** One of the clinician's break-glass accesses. */
export interface EmergencyRow {
  id: bigint;
  patient: string;
  openedAt: number;
  expiresAt: number;
  /** Whether it grants access now (not closed, not expired, not found unjustified). */
  open: boolean;
  review: string;
  /** The statement's hash as stored. */
  statement: string;
}

/**
 * `practitioner`'s break-glass accesses that are not closed (open, or expired and not closed),
 * newest first. Scans `consent.openEmergency`: see the module's note.
 */
export async function emergenciesOf(chain: TelemedChain, practitioner: string, now: number): Promise<EmergencyRow[]> {
  const entries = await chain.api.query.consent!.openEmergency!.entries();
  const ids = entries
    .filter(([key]) => chain.address(key.args[1]!.toU8a()) === practitioner)
    .map(([, value]) => BigInt(value.toString()));
  const rows = await Promise.all(ids.map(async (id) => {
    const json = (await chain.api.query.consent!.emergencyAccesses!(id)).toJSON() as Record<string, unknown> | null;
    if (!json) return undefined;
    const closedAt = json.closedAt === null || json.closedAt === undefined ? null : Number(json.closedAt);
    const expiresAt = Number(json.expiresAt);
    const review = String(json.review);
    return {
      id,
      patient: chain.address(String(json.patient)),
      openedAt: Number(json.openedAt),
      expiresAt,
      // The runtime's `EmergencyAccess::is_open`, as the SDK's `emergencyIsOpen`.
      open: consent.emergencyIsOpen({ practitioner, patient: String(json.patient), openedAt: Number(json.openedAt), expiresAt, closedAt, review: review.charAt(0).toUpperCase() + review.slice(1) }, now),
      review,
      statement: String(json.statement),
    } satisfies EmergencyRow;
  }));
  return rows.filter((r): r is EmergencyRow => r !== undefined).sort((a, b) => Number(b.id - a.id));
}

/**
 * What the gateway needs from the chain: the interface the @polkadot/api adapter (`chain.ts`)
 * implements and the SDK's chain client will implement when it replaces the adapter. Kept apart
 * from the adapter so the HTTP API and the tests do not load @polkadot/api.
 *
 * @module
 */

/** The chain could not be asked (not connected, no answer in time, the connection dropped). */
export class ChainUnavailableError extends Error {
  override name = 'ChainUnavailableError';
}

/** HL7 purposes of use, as the runtime's `PurposeOfUse` names them. */
export const PURPOSES = ['Treatment', 'Payment', 'Operations', 'Research', 'EmergencyTreatment'] as const;
/** One HL7 purpose of use. */
export type Purpose = (typeof PURPOSES)[number];

/** A live record version, as far as the gateway needs it. */
export interface RecordVersion {
  /** The version's own id. */
  id: bigint;
  /** The patient's 32-byte account id. */
  patient: Uint8Array;
  /** The record's blinded tag (32 bytes). */
  tag: Uint8Array;
  /** The record's stable identity (the id of its first version). */
  record: bigint;
  /** `blake2_256` of the ciphertext. */
  ciphertextHash: Uint8Array;
  /** The ciphertext is exactly `2 ** sizeClass` bytes. */
  sizeClass: number;
  /** Whether the version still has a locator (a re-key empties the replaced version's). */
  hasLocator: boolean;
}

/** What a practitioner account is, now. */
export interface LicenceStatus {
  /** Registered as a practitioner. */
  registered: boolean;
  /** Holds at least one licence valid now. */
  licensed: boolean;
}

/** The answer of `ConsentApi.check_access`. */
export type AccessDecision = { allowed: true; basis: string } | { allowed: false; denial: string };

/** A consultation's parties and whether it is accepted (the only status a relay serves). */
export interface ConsultationParties {
  /** The patient's 32-byte account id. */
  patient: Uint8Array;
  /** The practitioner's 32-byte account id. */
  practitioner: Uint8Array;
  /** Its status is `Accepted`. */
  accepted: boolean;
}

/** An open prescription version's parties and the hash of its ciphertext. */
export interface PrescriptionParties {
  /** The patient's 32-byte account id. */
  patient: Uint8Array;
  /** The prescriber's 32-byte account id. */
  prescriber: Uint8Array;
  /** `blake2_256` of the ciphertext; `undefined` for a version issued before the chain kept it. */
  ciphertextHash: Uint8Array | undefined;
}

/** The chain as of one block. */
export interface ChainAt {
  /** The block's hash (hex). */
  readonly blockHash: string;
  /** `RecordsApi.patient(who)` is `Some`. */
  isPatient(who: Uint8Array): Promise<boolean>;
  /** `PractitionersApi.licence_status(who)`. */
  licenceStatus(who: Uint8Array): Promise<LicenceStatus>;
  /** The live version `id` (from `RecordsApi.record_history`), or `undefined` if unknown or shredded. */
  recordVersion(id: bigint): Promise<RecordVersion | undefined>;
  /** `ConsentApi.check_access(accessor, patient, Read, Record { tag, record }, purpose)`. */
  checkRead(accessor: Uint8Array, version: RecordVersion, purpose: Purpose): Promise<AccessDecision>;
  /** `billing.consultations(id)`, or `undefined` if there is none. */
  consultation(id: bigint): Promise<ConsultationParties | undefined>;
  /** `prescriptions.prescriptions(id)`, or `undefined` if no version of that id is open. */
  prescription(id: bigint): Promise<PrescriptionParties | undefined>;
}

/** What the gateway needs from the chain. */
export interface GatewayChain {
  /** The chain's genesis hash (32 bytes); signed requests are bound to it. */
  readonly genesisHash: Uint8Array;
  /** The chain at the current best block. */
  atBest(): Promise<ChainAt>;
  /** Closes the connection. */
  close(): Promise<void>;
}

/** Resolves like `promise`, or rejects with {@link ChainUnavailableError} after `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ChainUnavailableError(`no answer from the chain for ${what} within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

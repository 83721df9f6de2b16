/**
 * E-prescriptions (FORMATS.md, "Prescription"): the key the prescriber seals to the patient
 * on chain (the content's data key, the dispense seed and where the encrypted content is), the
 * one-time dispense secrets derived from the seed, and the dispense token the patient shows at
 * the pharmacy (a QR code) so the pharmacist can check what is dispensed against the chain's
 * commitment and present the fill's secret.
 *
 * @module
 */

import { blake2b } from '@noble/hashes/blake2.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';

import { concatBytes, secureRandom, u32le, u64le, utf8, type Random } from './bytes.ts';
import { AEAD_TAG_LENGTH, DATA_KEY_LENGTH, SALT_LENGTH } from './content.ts';
import { HASH_LENGTH } from './envelope.ts';
import { MalformedError, OversizeError, TruncatedError, UnknownVersionError } from './errors.ts';
import { bindingInfo, hpkeOpenVersioned, hpkeSealVersioned, X25519_KEY_LENGTH } from './hpke.ts';
import { checkDataKey } from './internal.ts';

/** The version byte of the sealed prescription key and of the dispense token. */
export const PRESCRIPTION_VERSION = 0x01;

/** The label that starts the sealed prescription key's HPKE `info`. */
export const PRESCRIPTION_INFO_LABEL = 'telemed/prescription/v1';

/** The HKDF salt of the dispense secrets. */
export const DISPENSE_SECRET_LABEL = 'telemed/dispense/v1';

/** A dispense seed's length, in bytes. */
export const DISPENSE_SEED_LENGTH = 32;

/** A dispense secret's length, in bytes (the chain's `Hash256`). */
export const DISPENSE_SECRET_LENGTH = 32;

/** The most bytes the chain keeps for a prescription's locator (`MaxLocatorLen`). */
export const MAX_SEALED_PRESCRIPTION_KEY_LENGTH = 256;

/** The sealed key's fixed part: version, key version, `enc`, AEAD tag, data key, seed. */
export const SEALED_PRESCRIPTION_KEY_OVERHEAD =
  2 + X25519_KEY_LENGTH + AEAD_TAG_LENGTH + DATA_KEY_LENGTH + DISPENSE_SEED_LENGTH;

/** The longest locator (UTF-8 bytes) a sealed prescription key holds: 142. */
export const MAX_PRESCRIPTION_LOCATOR_LENGTH = MAX_SEALED_PRESCRIPTION_KEY_LENGTH - SEALED_PRESCRIPTION_KEY_OVERHEAD;

/** The dispense token's fixed part: version, genesis, prescription, fill, secret, salt. */
export const DISPENSE_TOKEN_HEADER_LENGTH = 1 + HASH_LENGTH + 8 + 4 + DISPENSE_SECRET_LENGTH + SALT_LENGTH;

/**
 * The most content bytes a dispense token carries: 2,048, so that a token (2,157 bytes at
 * most) fits a version-40 QR code in binary mode at error correction level L (2,953 bytes).
 */
export const MAX_DISPENSE_CONTENT_LENGTH = 2048;

/** What a sealed prescription key is bound to: the HPKE `info`. */
export interface PrescriptionBinding {
  /** The chain's genesis hash (32 bytes). */
  genesisHash: Uint8Array;
  /** The patient's account id (32 bytes). */
  patient: Uint8Array;
  /** The prescriber's account id (32 bytes). */
  prescriber: Uint8Array;
  /** The version's salted commitment as on chain (32 bytes). */
  commitment: Uint8Array;
}

/** The HPKE `info`: label ‖ genesis ‖ patient ‖ prescriber ‖ commitment. */
export function prescriptionInfo(binding: PrescriptionBinding): Uint8Array {
  return bindingInfo('prescription', PRESCRIPTION_INFO_LABEL, [
    ['genesisHash', binding.genesisHash], ['patient', binding.patient],
    ['prescriber', binding.prescriber], ['commitment', binding.commitment],
  ]);
}

/** What the patient opens from a sealed prescription key. */
export interface PrescriptionKey {
  /** The content's data key (content format `0x01`). */
  dataKey: Uint8Array;
  /** The seed of this version's dispense secrets ({@link dispenseSecret}). */
  dispenseSeed: Uint8Array;
  /** Where the encrypted content is in the blob store. */
  locator: string;
}

/** Options of {@link sealPrescriptionKey}. */
export interface SealPrescriptionKeyOptions {
  /** Fixes HPKE's ephemeral key (DeriveKeyPair input): only for test vectors. */
  ekm?: Uint8Array;
}

/** A new random dispense seed. */
export function newDispenseSeed(random: Random = secureRandom): Uint8Array {
  return random(DISPENSE_SEED_LENGTH);
}

function checkFill(fill: number): void {
  if (!Number.isInteger(fill) || fill < 1 || fill > 0xffff_ffff) {
    throw new RangeError(`a fill number is 1..=2^32-1, not ${fill}`);
  }
}

/**
 * The one-time secret of fill number `fill` (from 1, over every version of the prescription):
 * `HKDF-SHA256(ikm = seed, salt = "telemed/dispense/v1", info = u32 LE fill, L = 32)`.
 *
 * @throws {@link MalformedError} for a seed that is not 32 bytes; `RangeError` for a fill
 *   number out of range
 */
export function dispenseSecret(seed: Uint8Array, fill: number): Uint8Array {
  if (seed.length !== DISPENSE_SEED_LENGTH) {
    throw new MalformedError('prescription', `a dispense seed has ${DISPENSE_SEED_LENGTH} bytes`);
  }
  checkFill(fill);
  return hkdf(sha256, seed, utf8(DISPENSE_SECRET_LABEL), u32le(fill), DISPENSE_SECRET_LENGTH);
}

/** What the chain keeps of a dispense secret: `blake2_256(secret)` (the pallet's `secret_hash`). */
export function dispenseSecretHash(secret: Uint8Array): Uint8Array {
  if (secret.length !== DISPENSE_SECRET_LENGTH) {
    throw new MalformedError('prescription', `a dispense secret has ${DISPENSE_SECRET_LENGTH} bytes`);
  }
  return blake2b(secret, { dkLen: 32 });
}

/**
 * The hashes the chain is given for fills `first..first + count - 1` of the version whose
 * secrets come from `seed` (`issue`: from fill 1; `amend`: from the first fill not made).
 */
export function dispenseHashes(seed: Uint8Array, first: number, count: number): Uint8Array[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`not a count: ${count}`);
  return Array.from({ length: count }, (_, i) => dispenseSecretHash(dispenseSecret(seed, first + i)));
}

/**
 * Seals the content's data key, the dispense seed and the content's locator to the patient:
 * `0x01 ‖ keyVersion ‖ enc (32) ‖ HPKE-seal(pk, info, aad = 0x01 ‖ keyVersion,
 * dataKey ‖ seed ‖ UTF-8 locator)`, 114 + the locator's length (at most 256) bytes: the
 * prescription's `locator` on chain.
 *
 * @throws {@link MalformedError} for a key, seed or binding of the wrong size, an invalid key
 *   or an empty locator; {@link OversizeError} for a locator past 142 UTF-8 bytes
 */
export async function sealPrescriptionKey(
  key: PrescriptionKey,
  patientPublicKey: Uint8Array,
  keyVersion: number,
  binding: PrescriptionBinding,
  options: SealPrescriptionKeyOptions = {},
): Promise<Uint8Array> {
  checkDataKey(key.dataKey, 'prescription');
  if (key.dispenseSeed.length !== DISPENSE_SEED_LENGTH) {
    throw new MalformedError('prescription', `a dispense seed has ${DISPENSE_SEED_LENGTH} bytes`);
  }
  const locator = utf8(key.locator);
  if (locator.length === 0) throw new MalformedError('prescription', 'an empty locator');
  if (locator.length > MAX_PRESCRIPTION_LOCATOR_LENGTH) {
    throw new OversizeError('prescription', `a locator has at most ${MAX_PRESCRIPTION_LOCATOR_LENGTH} bytes`);
  }
  return hpkeSealVersioned(
    'prescription',
    PRESCRIPTION_VERSION,
    patientPublicKey,
    keyVersion,
    prescriptionInfo(binding),
    concatBytes(key.dataKey, key.dispenseSeed, locator),
    options.ekm,
  );
}

/**
 * The key version a sealed prescription key names (which of the patient's keys opens it).
 *
 * @throws {@link TruncatedError}, {@link UnknownVersionError}, {@link OversizeError}
 */
export function sealedPrescriptionKeyVersion(sealed: Uint8Array): number {
  if (sealed.length === 0) throw new TruncatedError('prescription', 'empty');
  const version = sealed[0] as number;
  if (version !== PRESCRIPTION_VERSION) throw new UnknownVersionError('prescription', version);
  if (sealed.length < SEALED_PRESCRIPTION_KEY_OVERHEAD + 1) {
    throw new TruncatedError('prescription', `${sealed.length} bytes`);
  }
  if (sealed.length > MAX_SEALED_PRESCRIPTION_KEY_LENGTH) {
    throw new OversizeError('prescription', `${sealed.length} bytes`);
  }
  return sealed[1] as number;
}

/**
 * Opens a sealed prescription key with the patient's secret key (of its key version).
 *
 * @throws as {@link sealedPrescriptionKeyVersion}; {@link DecryptionError} for another key or
 *   binding (chain, patient, prescriber, commitment) or a changed byte; {@link MalformedError}
 *   for a locator that is not UTF-8
 */
export async function openPrescriptionKey(
  sealed: Uint8Array,
  patientSecretKey: Uint8Array,
  binding: PrescriptionBinding,
): Promise<PrescriptionKey> {
  sealedPrescriptionKeyVersion(sealed);
  const opened = await hpkeOpenVersioned('prescription', patientSecretKey, sealed, prescriptionInfo(binding));
  let locator: string;
  try {
    locator = new TextDecoder('utf-8', { fatal: true }).decode(opened.subarray(DATA_KEY_LENGTH + DISPENSE_SEED_LENGTH));
  } catch {
    throw new MalformedError('prescription', 'the locator is not UTF-8');
  }
  return {
    dataKey: opened.slice(0, DATA_KEY_LENGTH),
    dispenseSeed: opened.slice(DATA_KEY_LENGTH, DATA_KEY_LENGTH + DISPENSE_SEED_LENGTH),
    locator,
  };
}

/** A dispense token: what the patient shows the pharmacist for one fill. */
export interface DispenseToken {
  /** The chain's genesis hash. */
  genesisHash: Uint8Array;
  /** The prescription (version) id. */
  prescription: bigint;
  /** The fill it is for (from 1, over every version). */
  fill: number;
  /** The fill's one-time secret. */
  secret: Uint8Array;
  /** The content's commitment salt. */
  salt: Uint8Array;
  /** The content (what is prescribed), as sealed to the patient. */
  content: Uint8Array;
}

/**
 * Encodes a dispense token: `0x01 ‖ genesisHash (32) ‖ u64 LE prescription ‖ u32 LE fill ‖
 * secret (32) ‖ salt (32) ‖ content (0..=2048)`.
 *
 * @throws {@link MalformedError} for a field of the wrong size; {@link OversizeError} for
 *   content past 2,048 bytes; `RangeError` for a fill or id out of range
 */
export function encodeDispenseToken(token: DispenseToken): Uint8Array {
  if (token.genesisHash.length !== HASH_LENGTH) throw new MalformedError('prescription', 'genesisHash has 32 bytes');
  if (token.secret.length !== DISPENSE_SECRET_LENGTH) throw new MalformedError('prescription', 'a secret has 32 bytes');
  if (token.salt.length !== SALT_LENGTH) throw new MalformedError('prescription', 'a salt has 32 bytes');
  if (token.prescription < 0n || token.prescription >= 2n ** 64n) {
    throw new RangeError(`not a prescription id: ${token.prescription}`);
  }
  checkFill(token.fill);
  if (token.content.length > MAX_DISPENSE_CONTENT_LENGTH) {
    throw new OversizeError('prescription', `a token carries at most ${MAX_DISPENSE_CONTENT_LENGTH} content bytes`);
  }
  return concatBytes(
    new Uint8Array([PRESCRIPTION_VERSION]),
    token.genesisHash,
    u64le(token.prescription),
    u32le(token.fill),
    token.secret,
    token.salt,
    token.content,
  );
}

/**
 * Decodes a dispense token (nothing is checked against the chain here: see
 * `verifyDispenseToken`).
 *
 * @throws {@link TruncatedError} (empty, or shorter than its 109-byte header),
 *   {@link UnknownVersionError}, {@link OversizeError} (more than 2,048 content bytes),
 *   {@link MalformedError} (fill 0)
 */
export function decodeDispenseToken(bytes: Uint8Array): DispenseToken {
  if (bytes.length === 0) throw new TruncatedError('prescription', 'empty');
  const version = bytes[0] as number;
  if (version !== PRESCRIPTION_VERSION) throw new UnknownVersionError('prescription', version);
  if (bytes.length < DISPENSE_TOKEN_HEADER_LENGTH) throw new TruncatedError('prescription', `${bytes.length} bytes`);
  if (bytes.length > DISPENSE_TOKEN_HEADER_LENGTH + MAX_DISPENSE_CONTENT_LENGTH) {
    throw new OversizeError('prescription', `${bytes.length} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  let at = 1;
  const genesisHash = bytes.slice(at, at += HASH_LENGTH);
  const prescription = view.getBigUint64(at, true);
  at += 8;
  const fill = view.getUint32(at, true);
  at += 4;
  if (fill === 0) throw new MalformedError('prescription', 'fill 0 (fills count from 1)');
  const secret = bytes.slice(at, at += DISPENSE_SECRET_LENGTH);
  const salt = bytes.slice(at, at += SALT_LENGTH);
  return { genesisHash, prescription, fill, secret, salt, content: bytes.slice(at) };
}

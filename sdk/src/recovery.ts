/**
 * Guardian recovery (FORMATS.md, "Guardian recovery kit"): a copy of a person's seed sealed
 * with HPKE to a guardian's key-agreement key, so the guardian can give the keys back if the
 * recovery phrase is lost.
 *
 * @module
 */

import { AEAD_TAG_LENGTH } from './content.ts';
import { MalformedError, OversizeError, TruncatedError, UnknownVersionError } from './errors.ts';
import { bindingInfo, hpkeOpenVersioned, hpkeSealVersioned, X25519_KEY_LENGTH } from './hpke.ts';
import { KeyRing, SEED_LENGTH } from './keys.ts';

/** The recovery kit format's version byte. */
export const RECOVERY_KIT_VERSION = 0x01;

/** A recovery kit's length: version, key version, encapsulated key, sealed seed. */
export const RECOVERY_KIT_LENGTH = 2 + X25519_KEY_LENGTH + SEED_LENGTH + AEAD_TAG_LENGTH;

/** The label that starts a recovery kit's HPKE `info`. */
export const RECOVERY_INFO_LABEL = 'telemed/recovery/v1';

/** What a recovery kit is bound to. */
export interface RecoveryBinding {
  /** The chain's genesis hash (32 bytes). */
  genesisHash: Uint8Array;
  /** The account whose seed it is (32 bytes). */
  owner: Uint8Array;
  /** The guardian's account (32 bytes). */
  guardian: Uint8Array;
}

/** The HPKE `info` of a recovery kit: label ‖ genesis ‖ owner ‖ guardian. */
export function recoveryInfo(binding: RecoveryBinding): Uint8Array {
  return bindingInfo('recovery', RECOVERY_INFO_LABEL, [
    ['genesisHash', binding.genesisHash], ['owner', binding.owner], ['guardian', binding.guardian],
  ]);
}

/** Options of {@link sealRecoveryKit}. */
export interface SealRecoveryKitOptions {
  /** Fixes HPKE's ephemeral key (DeriveKeyPair input): only for test vectors. */
  ekm?: Uint8Array;
}

/**
 * Seals `seed` to a guardian:
 * `0x01 ‖ guardianKeyVersion ‖ enc (32) ‖ HPKE-seal(pk, info, aad = 0x01 ‖ guardianKeyVersion,
 * seed)`, 114 bytes.
 *
 * @param seed - the owner's 64-byte seed (`KeyRing.exportSeed`)
 * @param guardianPublicKey - the guardian's X25519 key-agreement key
 * @param guardianKeyVersion - which of the guardian's keys that is
 * @throws {@link MalformedError} for a seed, key or binding of the wrong size or an invalid key
 */
export async function sealRecoveryKit(
  seed: Uint8Array,
  guardianPublicKey: Uint8Array,
  guardianKeyVersion: number,
  binding: RecoveryBinding,
  options: SealRecoveryKitOptions = {},
): Promise<Uint8Array> {
  if (seed.length !== SEED_LENGTH) throw new MalformedError('recovery', `a seed has ${SEED_LENGTH} bytes`);
  return hpkeSealVersioned('recovery', RECOVERY_KIT_VERSION, guardianPublicKey, guardianKeyVersion, recoveryInfo(binding), seed, options.ekm);
}

/** A recovery kit's header. */
export interface ParsedRecoveryKit {
  /** The format version. */
  version: number;
  /** Which of the guardian's keys it is sealed to. */
  guardianKeyVersion: number;
}

/**
 * Parses a recovery kit's header and checks its length.
 *
 * @throws {@link TruncatedError}, {@link UnknownVersionError}, {@link OversizeError}
 */
export function parseRecoveryKit(kit: Uint8Array): ParsedRecoveryKit {
  if (kit.length === 0) throw new TruncatedError('recovery', 'empty');
  const version = kit[0] as number;
  if (version !== RECOVERY_KIT_VERSION) throw new UnknownVersionError('recovery', version);
  if (kit.length < RECOVERY_KIT_LENGTH) throw new TruncatedError('recovery', `${kit.length} bytes`);
  if (kit.length > RECOVERY_KIT_LENGTH) throw new OversizeError('recovery', `${kit.length} bytes`);
  return { version, guardianKeyVersion: kit[1] as number };
}

/**
 * Opens a recovery kit with the guardian's secret key (of the kit's key version).
 *
 * @returns the owner's seed; `new KeyRing(seed)` gives back every key
 * @throws as {@link parseRecoveryKit}; {@link DecryptionError} for another key or binding or a
 *   changed bit
 */
export async function openRecoveryKit(
  kit: Uint8Array,
  guardianSecretKey: Uint8Array,
  binding: RecoveryBinding,
): Promise<Uint8Array> {
  parseRecoveryKit(kit);
  const seed = await hpkeOpenVersioned('recovery', guardianSecretKey, kit, recoveryInfo(binding));
  if (seed.length !== SEED_LENGTH) throw new MalformedError('recovery', 'the sealed seed is not 64 bytes');
  return seed;
}

/**
 * The guardian's side: opens a kit with the guardian's key ring (the key version read from
 * the kit) and returns the owner's key ring.
 */
export async function recoverKeyRing(kit: Uint8Array, guardian: KeyRing, binding: RecoveryBinding): Promise<KeyRing> {
  const { guardianKeyVersion } = parseRecoveryKit(kit);
  return new KeyRing(await openRecoveryKit(kit, guardian.keyAgreement(guardianKeyVersion).secretKey, binding));
}

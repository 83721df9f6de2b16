/**
 * Keys (FORMATS.md, "Keys"): a patient's or practitioner's X25519 key-agreement keys and tag
 * keys, derived with HKDF from a BIP-39 recovery phrase of their own (never the signing
 * wallet's), each with a one-byte key version; rotation by key version.
 *
 * @module
 */

import { x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { generateMnemonic, mnemonicToSeedSync, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';

import { concatBytes, utf8 } from './bytes.ts';
import {
  type EnvelopeBinding,
  openEnvelope,
  parseEnvelope,
  sealEnvelope,
} from './envelope.ts';
import { MalformedError } from './errors.ts';
import { isValidKeyAgreementKey } from './hpke.ts';
import { checkKeyVersion } from './internal.ts';

/** Length of a BIP-39 seed, in bytes. */
export const SEED_LENGTH = 64;

/** The HKDF salt of every key derivation (the derivation scheme's version). */
export const KEY_DERIVATION_SALT = 'telemed/keys/v1';

/** The HKDF `info` prefix of a key-agreement key; the key version byte follows. */
export const KEY_AGREEMENT_INFO = 'telemed/key-agreement/';

/** The HKDF `info` prefix of a tag key; the tag key version byte follows. */
export const TAG_KEY_INFO = 'telemed/tag-key/';

/**
 * A new recovery phrase (BIP-39, English word list). Kept apart from the signing wallet's
 * phrase: it is the only way back to the data keys sealed to this person.
 *
 * @param words - 12 or 24 (128 or 256 bits of entropy; 24 by default)
 */
export function generateRecoveryPhrase(words: 12 | 24 = 24): string {
  return generateMnemonic(wordlist, words === 12 ? 128 : 256);
}

/** Whether `phrase` is a valid BIP-39 English phrase (words and checksum). */
export function isValidRecoveryPhrase(phrase: string): boolean {
  return validateMnemonic(normalise(phrase), wordlist);
}

/**
 * The 64-byte BIP-39 seed of a recovery phrase (PBKDF2-HMAC-SHA512, 2048 rounds).
 *
 * @param passphrase - the optional BIP-39 passphrase ("25th word")
 * @throws {@link MalformedError} if the phrase's words or checksum are wrong
 */
export function seedFromRecoveryPhrase(phrase: string, passphrase = ''): Uint8Array {
  const words = normalise(phrase);
  if (!validateMnemonic(words, wordlist)) {
    throw new MalformedError('keys', 'not a valid BIP-39 recovery phrase (words or checksum)');
  }
  return mnemonicToSeedSync(words, passphrase);
}

/** An X25519 key-agreement key pair and its key version. */
export interface KeyAgreementKeyPair {
  /** The key version it was derived with (0..=255); envelopes sealed to it name it. */
  keyVersion: number;
  /** The secret key (32 bytes). Never leaves the holder's device. */
  secretKey: Uint8Array;
  /** The public key (32 bytes): what `registerPatient`/`rotatePatientKey` publish. */
  publicKey: Uint8Array;
}

/**
 * The key-agreement key pair of `keyVersion`:
 * `HKDF-SHA-256(seed, "telemed/keys/v1", "telemed/key-agreement/" ‖ keyVersion, 32)`.
 *
 * @throws {@link MalformedError} for a seed that is not 64 bytes; `RangeError` for a key
 *   version that is not a byte
 */
export function deriveKeyAgreementKey(seed: Uint8Array, keyVersion: number): KeyAgreementKeyPair {
  const secretKey = derive(seed, KEY_AGREEMENT_INFO, keyVersion);
  const publicKey = x25519.getPublicKey(secretKey);
  if (!isValidKeyAgreementKey(publicKey)) {
    // Unreachable: a clamped scalar's public key is canonical and of large order.
    throw new MalformedError('keys', 'derived an invalid key-agreement key');
  }
  return { keyVersion, secretKey, publicKey };
}

/**
 * The tag key of `tagKeyVersion`:
 * `HKDF-SHA-256(seed, "telemed/keys/v1", "telemed/tag-key/" ‖ tagKeyVersion, 32)`.
 *
 * @throws as {@link deriveKeyAgreementKey}
 */
export function deriveTagKey(seed: Uint8Array, tagKeyVersion: number): Uint8Array {
  return derive(seed, TAG_KEY_INFO, tagKeyVersion);
}

/** An envelope its holder keeps, with what it is bound to. */
export interface HeldEnvelope {
  /** The envelope bytes (as on chain). */
  envelope: Uint8Array;
  /** What it is bound to (the holder is its grantee). */
  binding: EnvelopeBinding;
}

/**
 * A person's keys, derived on demand from their seed. Holds the seed in memory: keep it to the
 * device that holds the recovery phrase.
 */
export class KeyRing {
  readonly #seed: Uint8Array;

  /** @param seed - the 64-byte BIP-39 seed ({@link seedFromRecoveryPhrase}) */
  constructor(seed: Uint8Array) {
    if (seed.length !== SEED_LENGTH) {
      throw new MalformedError('keys', `a seed has ${SEED_LENGTH} bytes, not ${seed.length}`);
    }
    this.#seed = seed.slice();
  }

  /** The key ring of a recovery phrase (and optional BIP-39 passphrase). */
  static fromRecoveryPhrase(phrase: string, passphrase = ''): KeyRing {
    return new KeyRing(seedFromRecoveryPhrase(phrase, passphrase));
  }

  /** A copy of the seed: only to seal a guardian recovery kit ({@link sealRecoveryKit}). */
  exportSeed(): Uint8Array {
    return this.#seed.slice();
  }

  /** The key-agreement key pair of `keyVersion` (0 for the first). */
  keyAgreement(keyVersion: number): KeyAgreementKeyPair {
    return deriveKeyAgreementKey(this.#seed, keyVersion);
  }

  /** The tag key of `tagKeyVersion` (0 for the first). */
  tagKey(tagKeyVersion: number): Uint8Array {
    return deriveTagKey(this.#seed, tagKeyVersion);
  }

  /**
   * Opens an envelope sealed to one of this ring's keys: the key version is read from the
   * envelope's header.
   *
   * @returns the data key
   * @throws as `openEnvelope`
   */
  async openEnvelope(envelope: Uint8Array, binding: EnvelopeBinding): Promise<Uint8Array> {
    const { keyVersion } = parseEnvelope(envelope);
    return openEnvelope(envelope, this.keyAgreement(keyVersion).secretKey, binding);
  }

  /**
   * Rotation: opens every held envelope (whatever key version it names) and seals its data key
   * again to this ring's key of `toKeyVersion`, with the same binding. Envelopes already
   * sealed to `toKeyVersion` are left out. The holder publishes the new public key
   * (`rotatePatientKey`) and puts the returned envelopes on chain (`addEnvelope` after removing
   * the old one, or `rekeyRecord`).
   *
   * @returns the re-sealed envelopes, in the order given
   * @throws as `openEnvelope` for an envelope that does not open: nothing is returned then
   */
  async resealForRotation(held: readonly HeldEnvelope[], toKeyVersion: number): Promise<HeldEnvelope[]> {
    checkKeyVersion(toKeyVersion);
    const target = this.keyAgreement(toKeyVersion);
    const out: HeldEnvelope[] = [];
    for (const { envelope, binding } of held) {
      if (parseEnvelope(envelope).keyVersion === toKeyVersion) continue;
      const dataKey = await this.openEnvelope(envelope, binding);
      out.push({ envelope: await sealEnvelope(dataKey, target.publicKey, toKeyVersion, binding), binding });
    }
    return out;
  }
}

function derive(seed: Uint8Array, label: string, version: number): Uint8Array {
  if (seed.length !== SEED_LENGTH) {
    throw new MalformedError('keys', `a seed has ${SEED_LENGTH} bytes, not ${seed.length}`);
  }
  checkKeyVersion(version);
  return hkdf(sha256, seed, utf8(KEY_DERIVATION_SALT), concatBytes(utf8(label), new Uint8Array([version])), 32);
}

function normalise(phrase: string): string {
  return phrase.normalize('NFKD').trim().split(/\s+/).join(' ');
}

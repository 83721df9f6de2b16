/**
 * Key envelopes (FORMATS.md, "Key envelope"): a record version's data key sealed with HPKE to
 * one grantee's X25519 key-agreement key, bound to the chain, the record version and the
 * grantee, so that it opens nowhere else.
 *
 * @module
 */

import { concatBytes, u32le, u64le, utf8 } from './bytes.ts';
import { AEAD_TAG_LENGTH, DATA_KEY_LENGTH } from './content.ts';
import {
  MalformedError,
  OversizeError,
  TruncatedError,
  UnknownVersionError,
} from './errors.ts';
import { hpkeOpen, hpkeSealVersioned, X25519_KEY_LENGTH } from './hpke.ts';
import { checkDataKey } from './internal.ts';

/** The key envelope format's version byte. */
export const ENVELOPE_VERSION = 0x01;

/** An envelope's length: version, key version, encapsulated key, sealed data key. */
export const ENVELOPE_LENGTH = 2 + X25519_KEY_LENGTH + DATA_KEY_LENGTH + AEAD_TAG_LENGTH;

/** The records pallet's `MIN_ENVELOPE_LEN`; an envelope is never shorter. */
export const MIN_CHAIN_ENVELOPE_LENGTH = 48;

/** The runtime's `MaxEnvelopeLen`; an envelope is never longer. */
export const MAX_CHAIN_ENVELOPE_LENGTH = 160;

/** Length of a genesis hash, an account id and a blinded tag, in bytes. */
export const HASH_LENGTH = 32;

/** The label that starts every envelope's HPKE `info`. */
export const ENVELOPE_INFO_LABEL = 'telemed/envelope/v1';

/**
 * What an envelope is bound to. A grantee reads `record` and `version` from the record
 * version (`Records(id)`) it was given access to.
 */
export interface EnvelopeBinding {
  /** The chain's genesis hash (32 bytes). */
  genesisHash: Uint8Array;
  /**
   * The record's stable identity: the id of its first version (`Record.record`), a `u64`.
   * Not the version's own id: a re-key seals the new version's envelopes in the same call
   * that creates it, before its id exists.
   */
  record: bigint | number;
  /** The version number within the record (`Record.version`, 1 for the first), a `u32`. */
  version: number;
  /** The grantee's account id (32 bytes, an SS58 address decoded). */
  grantee: Uint8Array;
}

/** The HPKE `info` of an envelope: label ‖ genesis ‖ u64 LE record ‖ u32 LE version ‖ grantee. */
export function envelopeInfo(binding: EnvelopeBinding): Uint8Array {
  if (binding.genesisHash.length !== HASH_LENGTH) {
    throw new MalformedError('envelope', 'a genesis hash has 32 bytes');
  }
  if (binding.grantee.length !== HASH_LENGTH) {
    throw new MalformedError('envelope', 'a grantee account id has 32 bytes');
  }
  return concatBytes(
    utf8(ENVELOPE_INFO_LABEL),
    binding.genesisHash,
    u64le(binding.record),
    u32le(binding.version),
    binding.grantee,
  );
}

/** An envelope's fields, parsed but not opened. */
export interface ParsedEnvelope {
  /** The format version ({@link ENVELOPE_VERSION}). */
  version: number;
  /** Which of the recipient's key-agreement keys (its key version) it is sealed to. */
  keyVersion: number;
  /** The HPKE encapsulated key. */
  enc: Uint8Array;
  /** The HPKE ciphertext of the data key. */
  ct: Uint8Array;
}

/**
 * Parses an envelope's layout without opening it.
 *
 * @throws {@link TruncatedError}, {@link UnknownVersionError}, {@link OversizeError}
 */
export function parseEnvelope(envelope: Uint8Array): ParsedEnvelope {
  if (envelope.length === 0) throw new TruncatedError('envelope', 'empty');
  const version = envelope[0] as number;
  if (version !== ENVELOPE_VERSION) throw new UnknownVersionError('envelope', version);
  if (envelope.length < ENVELOPE_LENGTH) {
    throw new TruncatedError('envelope', `${envelope.length} bytes, not ${ENVELOPE_LENGTH}`);
  }
  if (envelope.length > ENVELOPE_LENGTH) {
    throw new OversizeError('envelope', `${envelope.length} bytes, not ${ENVELOPE_LENGTH}`);
  }
  return {
    version,
    keyVersion: envelope[1] as number,
    enc: envelope.slice(2, 2 + X25519_KEY_LENGTH),
    ct: envelope.slice(2 + X25519_KEY_LENGTH),
  };
}

/** Options of {@link sealEnvelope}. */
export interface SealEnvelopeOptions {
  /** Fixes HPKE's ephemeral key (DeriveKeyPair input, 32 bytes): only for test vectors. */
  ekm?: Uint8Array;
}

/**
 * Seals a data key to a grantee's key-agreement key:
 * `0x01 ‖ keyVersion ‖ enc (32) ‖ HPKE-seal(pk, info, aad = 0x01 ‖ keyVersion, dataKey)`,
 * 82 bytes.
 *
 * @param dataKey - the record version's 32-byte data key
 * @param recipientPublicKey - the grantee's X25519 key as on chain
 * @param keyVersion - which of the grantee's keys that is (0 to 255; 0 for keys not made by
 *   this SDK)
 * @param binding - genesis, record, version and grantee the envelope is for
 * @throws {@link MalformedError} for a key of the wrong size, an invalid (low-order,
 *   non-canonical) recipient key or a bad binding
 */
export async function sealEnvelope(
  dataKey: Uint8Array,
  recipientPublicKey: Uint8Array,
  keyVersion: number,
  binding: EnvelopeBinding,
  options: SealEnvelopeOptions = {},
): Promise<Uint8Array> {
  checkDataKey(dataKey, 'envelope');
  return hpkeSealVersioned('envelope', ENVELOPE_VERSION, recipientPublicKey, keyVersion, envelopeInfo(binding), dataKey, options.ekm);
}

/**
 * Opens an envelope with the grantee's X25519 secret key (the one of the envelope's key
 * version: see {@link parseEnvelope} or `KeyRing.openEnvelope`).
 *
 * @returns the 32-byte data key
 * @throws as {@link parseEnvelope}; {@link DecryptionError} if the key, the binding or any byte
 *   differs
 */
export async function openEnvelope(
  envelope: Uint8Array,
  recipientSecretKey: Uint8Array,
  binding: EnvelopeBinding,
): Promise<Uint8Array> {
  const parsed = parseEnvelope(envelope);
  const header = envelope.subarray(0, 2);
  const dataKey = await hpkeOpen('envelope', recipientSecretKey, parsed.enc, envelopeInfo(binding), header, parsed.ct);
  if (dataKey.length !== DATA_KEY_LENGTH) throw new MalformedError('envelope', 'the sealed key is not 32 bytes');
  return dataKey;
}

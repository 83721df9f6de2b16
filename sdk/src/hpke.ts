/**
 * The one HPKE suite of the SDK (RFC 9180 base mode: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
 * ChaCha20-Poly1305) from `@hpke/*`, and the X25519 key checks the chain applies.
 *
 * @module
 */

import { Chacha20Poly1305 } from '@hpke/chacha20poly1305';
import { CipherSuite, HkdfSha256 } from '@hpke/core';
import { DhkemX25519HkdfSha256 } from '@hpke/dhkem-x25519';

import { concatBytes, equalBytes, fromHex, utf8 } from './bytes.ts';
import { DecryptionError, MalformedError, type FormatName } from './errors.ts';
import { checkKeyVersion } from './internal.ts';

/** Length of an X25519 public or secret key, and of the HPKE encapsulated key, in bytes. */
export const X25519_KEY_LENGTH = 32;

/**
 * @internal An HPKE `info` that binds 32-byte values (a genesis hash, account ids, a
 * commitment): `UTF-8(label) ‖ value ‖ …`, in the order given.
 *
 * @throws {@link MalformedError} naming a value that is not 32 bytes
 */
export function bindingInfo(format: FormatName, label: string, fields: readonly (readonly [string, Uint8Array])[]): Uint8Array {
  for (const [name, value] of fields) {
    if (value.length !== 32) throw new MalformedError(format, `${name} has 32 bytes`);
  }
  return concatBytes(utf8(label), ...fields.map(([, value]) => value));
}

/** The HPKE suite: KEM 0x0020, KDF 0x0001, AEAD 0x0003. */
export const suite = new CipherSuite({
  kem: new DhkemX25519HkdfSha256(),
  kdf: new HkdfSha256(),
  aead: new Chacha20Poly1305(),
});

/** The u-coordinates of the X25519 points of small order (libsodium's list, canonical). */
const SMALL_ORDER = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map(fromHex);

/**
 * Whether `key` is an X25519 public key data keys may be sealed to, by the same rule as the
 * chain's `is_valid_key_agreement_key` (primitives): 32 bytes, canonical (top bit clear, below
 * 2^255 - 19) and not a point of small order.
 */
export function isValidKeyAgreementKey(key: Uint8Array): boolean {
  if (key.length !== X25519_KEY_LENGTH) return false;
  if (((key[31] as number) & 0x80) !== 0) return false;
  // Below p = 2^255 - 19 (little-endian 0xed, thirty 0xff, 0x7f): compare from the top byte.
  const p = new Uint8Array(32).fill(0xff);
  p[0] = 0xed;
  p[31] = 0x7f;
  let below = false;
  for (let i = 31; i >= 0; i--) {
    const k = key[i] as number;
    const q = p[i] as number;
    if (k < q) {
      below = true;
      break;
    }
    if (k > q) return false;
  }
  if (!below) return false;
  return !SMALL_ORDER.some((point) => equalBytes(point, key));
}

/** What {@link hpkeSeal} returns. */
export interface HpkeSealed {
  /** The encapsulated (ephemeral public) key, 32 bytes. */
  enc: Uint8Array;
  /** The AEAD ciphertext (plaintext length + 16). */
  ct: Uint8Array;
}

/**
 * @internal HPKE base-mode single-shot seal to `recipientPublicKey`.
 * `ekm` fixes the ephemeral key (RFC 9180 DeriveKeyPair input): test vectors only.
 */
export async function hpkeSeal(
  format: FormatName,
  recipientPublicKey: Uint8Array,
  info: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
  ekm?: Uint8Array,
): Promise<HpkeSealed> {
  if (!isValidKeyAgreementKey(recipientPublicKey)) {
    throw new MalformedError(format, 'the recipient key is not a valid X25519 key-agreement key');
  }
  const recipient = await suite.kem.deserializePublicKey(recipientPublicKey);
  const params = ekm === undefined
    ? { recipientPublicKey: recipient, info }
    : { recipientPublicKey: recipient, info, ekm };
  const sealed = await suite.seal(params, plaintext, aad);
  return { enc: new Uint8Array(sealed.enc), ct: new Uint8Array(sealed.ct) };
}

/** @internal HPKE base-mode single-shot open with the recipient's X25519 secret key. */
export async function hpkeOpen(
  format: FormatName,
  recipientSecretKey: Uint8Array,
  enc: Uint8Array,
  info: Uint8Array,
  aad: Uint8Array,
  ct: Uint8Array,
): Promise<Uint8Array> {
  if (recipientSecretKey.length !== X25519_KEY_LENGTH) {
    throw new MalformedError(format, `an X25519 secret key has ${X25519_KEY_LENGTH} bytes`);
  }
  try {
    const recipientKey = await suite.kem.deserializePrivateKey(recipientSecretKey);
    return new Uint8Array(await suite.open({ recipientKey, enc, info }, ct, aad));
  } catch {
    throw new DecryptionError(format, 'does not open with this key and binding (or was changed)');
  }
}

/**
 * @internal Opens the layout of {@link hpkeSealVersioned} (`formatVersion ‖ keyVersion ‖ enc ‖
 * ct`, the two header bytes the AAD) with the recipient's secret key; the caller has checked
 * the header and the length.
 */
export async function hpkeOpenVersioned(
  format: FormatName,
  recipientSecretKey: Uint8Array,
  sealed: Uint8Array,
  info: Uint8Array,
): Promise<Uint8Array> {
  return hpkeOpen(
    format,
    recipientSecretKey,
    sealed.subarray(2, 2 + X25519_KEY_LENGTH),
    info,
    sealed.subarray(0, 2),
    sealed.subarray(2 + X25519_KEY_LENGTH),
  );
}

/**
 * @internal The layout the envelope, the recovery kit and the sealed batch key share:
 * `formatVersion ‖ keyVersion ‖ enc (32) ‖ HPKE-seal(pk, info, aad = formatVersion ‖ keyVersion,
 * plaintext)`.
 *
 * @throws `RangeError` for a key version that is not a byte; {@link MalformedError} for an
 *   invalid recipient key
 */
export async function hpkeSealVersioned(
  format: FormatName,
  formatVersion: number,
  recipientPublicKey: Uint8Array,
  keyVersion: number,
  info: Uint8Array,
  plaintext: Uint8Array,
  ekm?: Uint8Array,
): Promise<Uint8Array> {
  checkKeyVersion(keyVersion);
  const header = new Uint8Array([formatVersion, keyVersion]);
  const { enc, ct } = await hpkeSeal(format, recipientPublicKey, info, header, plaintext, ekm);
  return concatBytes(header, enc, ct);
}

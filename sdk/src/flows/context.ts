/**
 * What every flow needs: the chain, the blob store, and who acts (their signing key and their
 * key-agreement keys, which come from a different recovery phrase).
 *
 * @module
 */

import type { Signer, TelemedChain } from '../chain/client.ts';
import { NotFoundError } from '../chain/errors.ts';
import { equalBytes } from '../bytes.ts';
import { parseEnvelope } from '../envelope.ts';
import { KeyRing, type KeyAgreementKeyPair } from '../keys.ts';
import type { BlobStore } from './blob-store.ts';

/** The chain and the store the flows use. */
export interface FlowContext {
  /** A connected chain. */
  chain: TelemedChain;
  /** Where ciphertexts go. */
  store: BlobStore;
}

/** Someone who acts in a flow: a patient, a practitioner, a delegate. */
export interface Actor {
  /** Signs their transactions (the wallet key). */
  signer: Signer;
  /**
   * Their key-agreement keys: a {@link KeyRing} (from their own recovery phrase), or a single
   * key pair (e.g. a development key not derived by the SDK; its key version is what envelopes
   * sealed to it name).
   */
  keys: KeyRing | KeyAgreementKeyPair;
  /** The key version they publish now (default 0; a {@link KeyRing} after rotations: higher). */
  keyVersion?: number;
}

/** The key pair `actor` publishes now. */
export function currentKey(actor: Actor): KeyAgreementKeyPair {
  if (actor.keys instanceof KeyRing) return actor.keys.keyAgreement(actor.keyVersion ?? 0);
  return actor.keys;
}

/**
 * The secret key of `actor` whose public key is `sealedTo` (what the chain says an envelope was
 * sealed to). A key ring tries the envelope's key version first, then every version.
 *
 * @throws {@link NotFoundError} if none of the actor's keys is `sealedTo` (a stale envelope
 *   sealed to a key the actor no longer holds)
 */
export function secretKeyFor(actor: Actor, sealedTo: Uint8Array, envelope: Uint8Array): Uint8Array {
  const { keys } = actor;
  if (!(keys instanceof KeyRing)) {
    if (equalBytes(keys.publicKey, sealedTo)) return keys.secretKey;
    throw new NotFoundError('the envelope is sealed to a key the reader does not hold');
  }
  const hinted = parseEnvelope(envelope).keyVersion;
  for (const v of [hinted, ...Array.from({ length: 256 }, (_, i) => i).filter((i) => i !== hinted)]) {
    const pair = keys.keyAgreement(v);
    if (equalBytes(pair.publicKey, sealedTo)) return pair.secretKey;
  }
  throw new NotFoundError('the envelope is sealed to a key the reader does not hold');
}

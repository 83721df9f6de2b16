/**
 * Signed requests. A write is signed over a fresh timestamp and a random nonce; a read over a
 * single-use challenge the gateway issued. Both messages are UTF-8 text, bound to the chain's
 * genesis hash, the method and path, and what the request is about (the body's hash, the CID,
 * the purpose), and signed with the account's sr25519 key (raw, or wrapped in `<Bytes>…</Bytes>`
 * as browser wallets sign). See README.md, "Signed requests".
 *
 * @module
 */

import { u8aToHex } from '@polkadot/util';
import { blake2AsU8a } from '@polkadot/util-crypto';
import { GATEWAY_DOMAIN, signedMessage } from '@telemed/sdk';

/** First line of every signed message (the SDK's, shared with its relay client); a new layout gets a new version. */
export const DOMAIN = GATEWAY_DOMAIN;

/** What a write signs. */
export interface WriteMessage {
  genesisHash: Uint8Array;
  /** Milliseconds since the Unix epoch, as the client's clock reads it. */
  timestamp: number;
  /** 16 random bytes, never reused by the account within the freshness window. */
  nonce: Uint8Array;
  /** The body (the ciphertext). */
  body: Uint8Array;
}

/** The bytes a write signs. */
export function writeMessage(m: WriteMessage): Uint8Array {
  return signedMessage(DOMAIN, 'PUT /blobs', [
    ['genesis', u8aToHex(m.genesisHash)],
    ['timestamp', String(m.timestamp)],
    ['nonce', u8aToHex(m.nonce)],
    ['body', u8aToHex(blake2AsU8a(m.body, 256))],
  ]);
}

/** What a read signs. */
export interface ReadMessage {
  genesisHash: Uint8Array;
  /** The challenge from `GET /challenge` (32 bytes). */
  challenge: Uint8Array;
  /** The record version asked for. */
  recordId: bigint;
  /** The CID asked for, as in the query. */
  cid: string;
  /** The purpose of use, as in the query. */
  purpose: string;
}

/** The bytes a read signs. */
export function readMessage(m: ReadMessage): Uint8Array {
  return signedMessage(DOMAIN, `GET /records/${m.recordId}/blob`, [
    ['genesis', u8aToHex(m.genesisHash)],
    ['challenge', u8aToHex(m.challenge)],
    ['cid', m.cid],
    ['purpose', m.purpose],
  ]);
}

// The check of a signed request (signature, single-use challenges, nonces) is the SDK's, shared
// with the FHIR facade: one implementation. The messages above are the gateway's own layouts.
export { ChallengeStore, NonceCache, parseAccount, relayMessage, verifySignature, type ChallengeRefusal } from '@telemed/sdk';

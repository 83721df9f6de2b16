/**
 * Signed requests. A write is signed over a fresh timestamp and a random nonce; a read over a
 * single-use challenge the gateway issued. Both messages are UTF-8 text, bound to the chain's
 * genesis hash, the method and path, and what the request is about (the body's hash, the CID,
 * the purpose), and signed with the account's sr25519 key (raw, or wrapped in `<Bytes>…</Bytes>`
 * as browser wallets sign). See README.md, "Signed requests".
 *
 * The messages are built by the SDK (sdk/src/gateway.ts), whose client signs them: one
 * definition of each layout for the gateway and its clients.
 *
 * @module
 */

import { GATEWAY_DOMAIN } from '@telemed/sdk';

/** First line of every signed message; a new layout gets a new version. */
export const DOMAIN = GATEWAY_DOMAIN;

export {
  prescriptionReadMessage,
  readMessage,
  writeMessage,
  type PrescriptionReadMessage,
  type ReadMessage,
  type WriteMessage,
} from '@telemed/sdk';

// The check of a signed request (signature, single-use challenges, nonces) is the SDK's, shared
// with the FHIR facade: one implementation.
export { ChallengeStore, NonceCache, parseAccount, relayMessage, verifySignature, type ChallengeRefusal } from '@telemed/sdk';

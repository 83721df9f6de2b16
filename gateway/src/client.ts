/**
 * The gateway's client, for its own tests and Node tools: the SDK's (`@telemed/sdk`,
 * sdk/src/gateway.ts, one client for Node and browsers), with the record read's arguments as
 * this package's tests name them.
 *
 * @module
 */

import {
  fetchChallenge,
  readBlob as readTarget,
  signRead as signTarget,
  type GatewaySigner,
} from '@telemed/sdk';

export { GatewayError, putBlob, signWrite, type GatewaySigner as Signer } from '@telemed/sdk';

/** A fresh challenge from the gateway at `url`. */
export const getChallenge = fetchChallenge;

/** The path and headers of a signed read of record version `recordId` over `challenge` (for tests). */
export function signRead(
  signer: GatewaySigner,
  genesisHash: Uint8Array,
  challenge: Uint8Array,
  recordId: bigint,
  cid: string,
  purpose = 'Treatment',
): Promise<{ path: string; headers: Record<string, string> }> {
  return signTarget(signer, genesisHash, challenge, { kind: 'record', id: recordId, purpose }, cid);
}

/** The path and headers of a signed read of prescription `id` over `challenge` (for tests). */
export function signPrescriptionRead(
  signer: GatewaySigner,
  genesisHash: Uint8Array,
  challenge: Uint8Array,
  id: bigint,
  cid: string,
): Promise<{ path: string; headers: Record<string, string> }> {
  return signTarget(signer, genesisHash, challenge, { kind: 'prescription', id }, cid);
}

/** Reads record version `recordId`'s blob `cid` through the gateway at `url`. Throws `GatewayError`. */
export function readBlob(
  url: string,
  signer: GatewaySigner,
  genesisHash: Uint8Array,
  recordId: bigint,
  cid: string,
  purpose = 'Treatment',
): Promise<Uint8Array> {
  return readTarget(url, signer, genesisHash, { kind: 'record', id: recordId, purpose }, cid);
}

/** Reads prescription `id`'s blob `cid` through the gateway at `url`. Throws `GatewayError`. */
export function readPrescriptionBlob(
  url: string,
  signer: GatewaySigner,
  genesisHash: Uint8Array,
  id: bigint,
  cid: string,
): Promise<Uint8Array> {
  return readTarget(url, signer, genesisHash, { kind: 'prescription', id }, cid);
}

/**
 * The SDK's `BlobStore` over a Telemed blob gateway, acting as one account: a write is the
 * gateway's signed upload (the locator is `ipfs://<cid>`), a read the gateway's signed read of
 * one record version (the gateway checks on chain that the account may read it now). The
 * requests are the gateway's own client's (gateway/src/client.ts), not a copy.
 *
 * @module
 */

import { BlobNotFoundError, type BlobStore, type PurposeOfUse, type Signer } from '@telemed/sdk';
import { putBlob, readBlob } from '../../gateway/src/client.ts';

/** The scheme of the locators this store seals. */
const IPFS = 'ipfs://';

/** The gateway store of `signer`; `version` names the record version a read is for. */
export class GatewayStore implements BlobStore {
  constructor(
    readonly url: string,
    readonly signer: Signer,
    readonly genesisHash: Uint8Array,
    readonly version?: bigint,
    readonly purpose: PurposeOfUse = 'Treatment',
  ) {}

  /** The same store, reading record version `version`. */
  reading(version: bigint, purpose: PurposeOfUse = 'Treatment'): GatewayStore {
    return new GatewayStore(this.url, this.signer, this.genesisHash, version, purpose);
  }

  async put(ciphertext: Uint8Array): Promise<string> {
    return `${IPFS}${await putBlob(this.url, this.signer, this.genesisHash, ciphertext)}`;
  }

  async get(locator: string): Promise<Uint8Array> {
    if (!locator.startsWith(IPFS)) throw new BlobNotFoundError(locator, 'not a gateway locator');
    if (this.version === undefined) throw new Error('a gateway read names the record version');
    return readBlob(this.url, this.signer, this.genesisHash, this.version, locator.slice(IPFS.length), this.purpose);
  }

  async delete(): Promise<void> {
    // The gateway has no DELETE yet (gateway/README.md): a refused anchor leaves the ciphertext there.
  }
}

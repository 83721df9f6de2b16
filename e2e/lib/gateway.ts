// A real blob gateway (gateway/: Helia on loopback, reads and writes checked against the chain)
// for a suite, started the way gateway/test/integration.test.ts starts its gateways
// (`startGateway` with the documented defaults, free ports, a data directory of its own), and the
// SDK's `BlobStore` over the gateway's signed HTTP API (gateway/src/client.ts).
//
// The gateway and its Helia node run in the suite's process: this is why e2e runs on Node 22
// (the `node` devDependency), as the gateway does.

import type { KeyringPair } from '@polkadot/keyring/types';
import { join } from 'node:path';
import { putBlob, readBlob } from '../../gateway/src/client.ts';
import { DEFAULTS } from '../../gateway/src/config.ts';
import { startGateway, type Gateway } from '../../gateway/src/gateway.ts';
import { createLogger } from '../../gateway/src/log.ts';
import { removeDir, tempDir } from './node.ts';
import { BlobNotFoundError, type BlobStore, type PurposeOfUse, type RecordId } from './sdk.ts';

export { GatewayError, readBlob } from '../../gateway/src/client.ts';

/** A gateway of the suite's own, and the JSON lines it logged. */
export interface TestGateway {
  gateway: Gateway;
  url: string;
  lines: string[];
  stop(): Promise<void>;
}

/** Starts a gateway against the node at `nodeWs`, on free loopback ports. */
export async function startTestGateway(nodeWs: string): Promise<TestGateway> {
  const dir = tempDir('telemed-e2e-gateway-');
  const lines: string[] = [];
  try {
    const gateway = await startGateway({
      ...DEFAULTS,
      port: 0,
      ipfsPort: 0,
      dataDir: join(dir, 'data'),
      nodeWs,
    }, createLogger('info', (line) => lines.push(line)));
    return {
      gateway,
      url: gateway.url,
      lines,
      async stop() {
        await gateway.stop();
        removeDir(dir);
      },
    };
  } catch (e) {
    removeDir(dir);
    throw e;
  }
}

/** The scheme of the locators a {@link GatewayBlobStore} seals: `ipfs://<cid>`. */
const IPFS = 'ipfs://';

/** The CID a gateway locator names. */
export function cidOf(locator: string): string {
  if (!locator.startsWith(IPFS)) throw new BlobNotFoundError(locator, 'not a gateway locator');
  return locator.slice(IPFS.length);
}

/**
 * The SDK's `BlobStore` over a gateway, acting as `signer`: `put` is a signed upload (the
 * locator is `ipfs://<cid>`: content addressed, any gateway of the network serves it); `get` is a
 * read over a fresh signed challenge, which the gateway allows only for a record version the
 * signer may read now, so a store that reads is bound to one version (`reading`). The gateway
 * has no delete yet (gateway/README.md): `delete` only forgets.
 */
export class GatewayBlobStore implements BlobStore {
  constructor(
    readonly url: string,
    readonly signer: KeyringPair,
    readonly genesisHash: Uint8Array,
    readonly version?: RecordId,
    readonly purpose: PurposeOfUse = 'Treatment',
  ) {}

  /** The same store, reading record version `version` (for `purpose`). */
  reading(version: RecordId, purpose: PurposeOfUse = 'Treatment'): GatewayBlobStore {
    return new GatewayBlobStore(this.url, this.signer, this.genesisHash, version, purpose);
  }

  async put(ciphertext: Uint8Array): Promise<string> {
    return `${IPFS}${await putBlob(this.url, this.signer, this.genesisHash, ciphertext)}`;
  }

  async get(locator: string): Promise<Uint8Array> {
    if (this.version === undefined) throw new Error('a gateway read names the record version: use reading(version)');
    return await readBlob(this.url, this.signer, this.genesisHash, this.version, cidOf(locator), this.purpose);
  }

  async delete(_locator: string): Promise<void> {
    // The gateway keeps every blob it stored (no DELETE yet); nothing to do.
  }
}

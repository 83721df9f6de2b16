// A real blob gateway (gateway/: Helia on loopback, reads and writes checked against the chain)
// for a suite, started the way gateway/test/integration.test.ts starts its gateways
// (`startGateway` with the documented defaults, free ports, a data directory of its own). The
// SDK's `BlobStore` over the gateway's signed HTTP API is the SDK's own (`GatewayBlobStore`,
// sdk/src/gateway.ts), re-exported here with the gateway client's record and prescription reads.
//
// The gateway and its Helia node run in the suite's process: this is why e2e runs on Node 22
// (the `node` devDependency), as the gateway does.

import { join } from 'node:path';
import { DEFAULTS } from '../../gateway/src/config.ts';
import { startGateway, type Gateway } from '../../gateway/src/gateway.ts';
import { createLogger } from '../../gateway/src/log.ts';
import { removeDir, tempDir } from './node.ts';

export { cidOf, GatewayBlobStore } from './sdk.ts';
export { GatewayError, readBlob, readPrescriptionBlob } from '../../gateway/src/client.ts';

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

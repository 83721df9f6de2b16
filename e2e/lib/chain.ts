// A dev chain for one suite: a fresh `telemed-node --dev` on its own base path and an API
// connected to it, started in `before` and stopped (node ended, base path removed) in `after`.

import type { ApiPromise } from '@polkadot/api';
import { keyringReady } from './keyring.ts';
import { connect, removeDir, startNode, stopAllNodes, tempDir, type RunningNode } from './node.ts';

export interface DevChain {
  node: RunningNode;
  api: ApiPromise;
  basePath: string;
}

/** Loads the crypto and the keyring, starts a dev node on a new base path and connects. */
export async function startDevChain(): Promise<DevChain> {
  await keyringReady();
  const basePath = tempDir();
  try {
    const node = await startNode({ basePath });
    const api = await connect(node);
    return { node, api, basePath };
  } catch (e) {
    removeDir(basePath);
    throw e;
  }
}

/** Disconnects, stops every node this process started and removes the base path. */
export async function stopDevChain(chain: DevChain | undefined): Promise<void> {
  await chain?.api.disconnect();
  await stopAllNodes();
  if (chain) removeDir(chain.basePath);
}

// Starts and stops a real `telemed-node` for end-to-end tests (testing/node.ts, shared with the
// SDK's and the gateway's integration tests), and connects @polkadot/api to it.

import { ApiPromise, WsProvider } from '@polkadot/api';
import type { RunningNode } from '../../testing/node.ts';

export * from '../../testing/node.ts';

/** An API connected to the node (or any node's RPC URL); the caller disconnects it. */
export async function connect(node: Pick<RunningNode, 'wsUrl'>): Promise<ApiPromise> {
  const provider = new WsProvider(node.wsUrl, 1_000);
  return await ApiPromise.create({ provider, throwOnConnect: true, noInitWarn: true });
}

// A dev chain for one suite: a fresh `telemed-node --dev` on its own base path and an API
// connected to it, started in `before` and stopped (node ended, base path removed) in `after`.
// A suite that changes no chain-wide state (no runtime upgrade, no governance, no restart) may
// ask for the node that e2e/run.ts shares between such suites instead (`{ shared: true }`); it
// then uses fresh accounts of its own, and runs on its own node when started without the runner.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiPromise } from '@polkadot/api';
import { keyringReady } from './keyring.ts';
import { connect, removeDir, startNode, stopAllNodes, tempDir, waitFor, type RunningNode } from './node.ts';

export interface DevChain {
  /** The node this suite started; undefined on the shared node (the runner owns it). */
  node?: RunningNode;
  api: ApiPromise;
  /** The node's RPC URL (for a gateway, say). */
  wsUrl: string;
  basePath?: string;
}

/**
 * Where e2e/run.ts publishes the shared node once it answers (`node.json`: `{ "wsUrl": … }`, or
 * `{ "error": … }` if it did not start).
 */
export const SHARED_DIR_VARIABLE = 'TELEMED_E2E_SHARED_DIR';

/** The shared node's RPC URL, waiting until the runner has started it; undefined without a runner. */
async function sharedNode(): Promise<string | undefined> {
  const dir = process.env[SHARED_DIR_VARIABLE];
  if (!dir) return undefined;
  const file = join(dir, 'node.json');
  let published: { wsUrl?: string; error?: string } = {};
  await waitFor(() => {
    try {
      published = JSON.parse(readFileSync(file, 'utf8')) as typeof published;
      return true;
    } catch {
      return false;
    }
  }, 180_000, 'the shared node (e2e/run.ts)');
  if (!published.wsUrl) throw new Error(`the shared node did not start: ${published.error}`);
  return published.wsUrl;
}

/**
 * Loads the crypto and the keyring, starts a dev node on a new base path and connects; with
 * `shared`, connects to the runner's shared node when there is one.
 */
export async function startDevChain({ shared = false } = {}): Promise<DevChain> {
  await keyringReady();
  const wsUrl = shared ? await sharedNode() : undefined;
  if (wsUrl) return { api: await connect({ wsUrl }), wsUrl };
  const basePath = tempDir();
  try {
    const node = await startNode({ basePath });
    const api = await connect(node);
    return { node, api, wsUrl: node.wsUrl, basePath };
  } catch (e) {
    removeDir(basePath);
    throw e;
  }
}

/** Disconnects, stops every node this process started and removes the base path. */
export async function stopDevChain(chain: DevChain | undefined): Promise<void> {
  await chain?.api.disconnect();
  await stopAllNodes();
  if (chain?.basePath) removeDir(chain.basePath);
}

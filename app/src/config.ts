/**
 * Where the app finds the chain and the gateway: `?node=ws://…&gateway=…` in the page's URL,
 * else the build's `VITE_TELEMED_NODE` / `VITE_TELEMED_GATEWAY`, else the development defaults
 * (scripts/dev.sh: the node on ws://127.0.0.1:9944, the gateway behind the app's own `/gateway`).
 *
 * @module
 */

export interface AppConfig {
  /** The node's WebSocket RPC. */
  node: string;
  /** The gateway's base URL (absolute, or a path on the app's own origin). */
  gateway: string;
}

export const DEFAULT_NODE = 'ws://127.0.0.1:9944';
export const DEFAULT_GATEWAY = '/gateway';

/** The configuration from a page URL's query and the build's environment. */
export function configFrom(search: string, env: Record<string, string | undefined> = {}): AppConfig {
  const query = new URLSearchParams(search);
  const node = query.get('node') || env.VITE_TELEMED_NODE || DEFAULT_NODE;
  const gateway = query.get('gateway') || env.VITE_TELEMED_GATEWAY || DEFAULT_GATEWAY;
  if (!/^wss?:\/\//.test(node)) throw new Error(`the node URL must start with ws:// or wss:// (got ${node})`);
  return { node, gateway: gateway.replace(/\/+$/, '') };
}

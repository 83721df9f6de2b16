// Plain JSON-RPC over HTTP, as an integrator without a Substrate library calls the node (curl,
// an EHR's integration engine): POST one request to the RPC port, read `result` or `error`.

/** A JSON-RPC error answer. */
export interface RpcError {
  code: number;
  message: string;
}

/** The HTTP URL of the node whose WebSocket RPC URL is `wsUrl` (the same port serves both). */
export function httpUrlOf(wsUrl: string): string {
  return wsUrl.replace(/^ws(s?):/, 'http$1:');
}

let nextId = 0;

/**
 * Calls `method` with `params` on the node at `url` (HTTP): `{ result }` or `{ error }`. Gives up
 * after 10 s (a node that stopped answering).
 */
export async function jsonRpc(
  url: string, method: string, params: unknown[],
): Promise<{ result?: unknown; error?: RpcError }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: ++nextId, method, params }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`${method}: HTTP ${response.status}`);
  return await response.json() as { result?: unknown; error?: RpcError };
}

/** The `result` of `method`, failing on an error answer. */
export async function jsonRpcResult<T>(url: string, method: string, params: unknown[]): Promise<T> {
  const { result, error } = await jsonRpc(url, method, params);
  if (error) throw new Error(`${method}: ${error.code} ${error.message}`);
  return result as T;
}

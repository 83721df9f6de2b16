/**
 * The consultation relay of a gateway (gateway/README.md, "Consultation relay"): a WebSocket
 * that carries a session's frames between the consultation's two parties and sees nothing but
 * frames. A party opens it with a request signed over a single-use challenge of the gateway;
 * the gateway admits only the patient and the practitioner of an accepted consultation. The
 * end-to-end protection is the session's own ({@link connectSession}): the relay is trusted
 * with nothing, and a relay that swaps keys is caught by the hellos.
 *
 * Runs in browsers and in Node ≥ 22 (the global `WebSocket` and `fetch`).
 *
 * @module
 */

import { toHex } from './bytes.ts';
import { fetchChallenge, GATEWAY_DOMAIN, GatewayError, type GatewaySigner } from './gateway.ts';
import type { RelayEndpoint } from './session.ts';
import { signedMessage } from './signed-request.ts';

/** What opening a relay signs. */
export interface RelayMessage {
  /** The chain's genesis hash (32 bytes). */
  genesisHash: Uint8Array;
  /** The gateway's challenge (`GET /challenge`, 32 bytes). */
  challenge: Uint8Array;
  /** The consultation. */
  consultation: bigint;
}

/** The bytes opening a relay signs: `GET /sessions/{consultation}/relay`, genesis, challenge. */
export function relayMessage(m: RelayMessage): Uint8Array {
  return signedMessage(GATEWAY_DOMAIN, `GET /sessions/${m.consultation}/relay`, [
    ['genesis', toHex(m.genesisHash)],
    ['challenge', toHex(m.challenge)],
  ]);
}

/** Who signs the opening: an sr25519 account (a `KeyringPair`, or a wallet's raw signer). */
export type RelaySigner = GatewaySigner;

/** The relay could not be opened, or closed. */
export class RelayError extends Error {
  /** The WebSocket close code, when it closed (4401 refused, 4001 replaced, 1009 too large…). */
  readonly code: number | undefined;

  /**
   * @param message - what happened
   * @param code - the close code, if any
   */
  constructor(message: string, code?: number) {
    super(message);
    this.name = 'RelayError';
    this.code = code;
  }
}

/** An open relay: a {@link RelayEndpoint} for `connectSession`, and its end. */
export interface RelayConnection extends RelayEndpoint {
  /** Closes it. */
  close(): void;
  /** Settles when it closes: with the close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;
}

/** Where a gateway's relay for `consultation` is: `http(s)://…` becomes `ws(s)://…`. */
export function relayUrl(gatewayUrl: string, consultation: bigint, query: Record<string, string>): string {
  const url = new URL(`${gatewayUrl.replace(/\/$/, '')}/sessions/${consultation}/relay`, (globalThis as { location?: { href: string } }).location?.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return url.toString();
}

/**
 * Opens the relay of consultation `consultation` at the gateway `gatewayUrl` as `signer` (the
 * consultation's patient or practitioner): a fresh challenge, the signed opening, the
 * WebSocket. Frames that arrive before a listener is registered are kept for it.
 *
 * @throws {@link RelayError} if the gateway gives no challenge or refuses the opening (a
 *   browser does not say why: the gateway's log does)
 */
export async function connectRelay(
  gatewayUrl: string,
  consultation: bigint,
  signer: RelaySigner,
  genesisHash: Uint8Array,
): Promise<RelayConnection> {
  let challenge: Uint8Array;
  try {
    challenge = await fetchChallenge(gatewayUrl);
  } catch (e) {
    if (e instanceof GatewayError) throw new RelayError(`the gateway gave no challenge (${e.status})`);
    throw e;
  }
  const signature = await signer.sign(relayMessage({ genesisHash, challenge, consultation }));
  const socket = new WebSocket(relayUrl(gatewayUrl, consultation, {
    account: signer.address, challenge: toHex(challenge), signature: toHex(signature),
  }));
  socket.binaryType = 'arraybuffer';
  const early: Uint8Array[] = [];
  let listener: ((frame: Uint8Array) => void) | undefined;
  socket.addEventListener('message', (event: MessageEvent) => {
    if (!(event.data instanceof ArrayBuffer)) return;
    const frame = new Uint8Array(event.data);
    if (listener) listener(frame);
    else early.push(frame);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.addEventListener('close', (event) => {
      const { code, reason } = event as unknown as { code: number; reason: string };
      resolve({ code, reason });
    });
  });
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new RelayError('the gateway refused the relay or could not be reached')), { once: true });
  });
  return {
    send: (frame) => socket.send(frame),
    onFrame: (fn) => {
      listener = fn;
      for (const frame of early.splice(0)) fn(frame);
    },
    close: () => socket.close(1000, 'done'),
    closed,
  };
}

/**
 * The consultation relay (README.md, "Consultation relay"): `GET /sessions/{id}/relay` upgraded
 * to a WebSocket carries the end-to-end session frames (SDK `connectSession`, FORMATS.md
 * "Consultation session") between the consultation's patient and practitioner. It sees only
 * frames: it does not parse them, keep them past delivery, or log anything of them but counts.
 *
 * Opening: `?account=&challenge=&signature=` (a browser's WebSocket cannot send headers), the
 * signature over the SDK's `relayMessage` with a single-use challenge from `GET /challenge`.
 * Admitted: the patient or the practitioner of consultation `id` while it is `Accepted`, one
 * connection per party (a new one from the same party replaces the old: a reconnect). Refused
 * before the upgrade with an HTTP status and the API's JSON body.
 *
 * Limits: binary frames only (text: close 1003), at most a session message's size (close
 * 1009), `relayMaxPending` frames (and 256 KiB) kept for a party not connected yet (past it:
 * close 1013),
 * `relayMaxSessions` consultations at once (503), no frame for `relayIdleMs` (close 1001).
 *
 * @module
 */

import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { hexToU8a, isHex, u8aEq } from '@polkadot/util';
import { encodeAddress } from '@polkadot/util-crypto';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import { MAX_MESSAGE_LENGTH, MESSAGE_HEADER_LENGTH } from '@telemed/sdk';
import { parseAccount, relayMessage, verifySignature, type ChallengeStore } from './auth.ts';
import type { GatewayChain } from './chain-interface.ts';
import type { Logger } from './log.ts';
import { challengeError, HttpError, refusalOf } from './server.ts';

/** The largest frame: a session message's header, tag and largest plaintext. */
export const MAX_FRAME_BYTES = MESSAGE_HEADER_LENGTH + 16 + MAX_MESSAGE_LENGTH;

/** At most this many bytes are kept for a party not connected, besides `relayMaxPending` frames. */
export const MAX_PENDING_BYTES = 256 * 1024;

/** Close codes of the relay (4000–4999 are the application's). */
export const CLOSE = {
  /** A newer connection of the same party replaced this one. */
  replaced: 4001,
  /** The gateway is shutting down. */
  shutdown: 1001,
  /** No frame for `relayIdleMs`. */
  idle: 1001,
  /** A text frame. */
  notBinary: 1003,
  /** The peer did not connect while `relayMaxPending` frames waited for it. */
  peerAbsent: 1013,
} as const;

/** The relay's settings (a subset of the gateway's `Config`). */
export interface RelayOptions {
  relayMaxSessions: number;
  relayIdleMs: number;
  relayMaxPending: number;
}

/** What the relay is built from. */
export interface RelayDeps {
  chain: GatewayChain;
  log: Logger;
  /** The API's challenge store: a challenge is single-use across both. */
  challenges: ChallengeStore;
  options: RelayOptions;
}

type Role = 'patient' | 'practitioner';

const OTHER: Record<Role, Role> = { patient: 'practitioner', practitioner: 'patient' };

/** One consultation's two ends and the frames waiting for an end not connected. */
interface Pair {
  ends: Partial<Record<Role, WebSocket>>;
  pending: Record<Role, Buffer[]>;
  /** Frames and bytes carried, for the log. */
  frames: number;
  bytes: number;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function refuse(socket: Duplex, refusal: HttpError): void {
  const body = JSON.stringify({ reason: refusal.reason, message: refusal.message });
  socket.end(
    `HTTP/1.1 ${refusal.status} ${STATUS_TEXT[refusal.status] ?? 'Error'}\r\n` +
    'content-type: application/json\r\n' +
    `content-length: ${Buffer.byteLength(body)}\r\n` +
    'cache-control: no-store\r\nconnection: close\r\n\r\n' + body,
  );
}

/** The running relay. */
export interface Relay {
  /** Consultations with at least one end connected. */
  sessions(): number;
  /** Closes every connection. */
  close(): void;
}

/** Serves `GET /sessions/{id}/relay` upgrades on `server`; other upgrades get 404. */
export function attachRelay(server: Server, deps: RelayDeps): Relay {
  const { chain, log, challenges, options } = deps;
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  const pairs = new Map<bigint, Pair>();

  /** Who opens the relay of which consultation, checked; throws {@link HttpError}. */
  const admit = async (req: IncomingMessage): Promise<{ id: bigint; role: Role; account: string }> => {
    const url = new URL(req.url ?? '/', 'http://gateway');
    const route = /^\/sessions\/([^/]+)\/relay$/.exec(url.pathname);
    if (!route) throw new HttpError(404, 'not_found', 'no such route');
    const idText = route[1]!;
    if (!/^\d{1,20}$/.test(idText) || BigInt(idText) >= 2n ** 64n) {
      throw new HttpError(400, 'bad_consultation_id', 'the consultation id is not a u64');
    }
    const id = BigInt(idText);
    const param = (name: string): string => {
      const value = url.searchParams.get(name);
      if (value === null || value === '') throw new HttpError(401, 'missing_auth', `the ${name} query parameter is missing`);
      return value;
    };
    const who = parseAccount(param('account'));
    if (who === undefined) throw new HttpError(401, 'bad_auth', 'account is not an SS58 address or a 32-byte hex account id');
    const hex = (name: string, length: number): Uint8Array => {
      const value = param(name);
      if (!isHex(value, length * 8)) throw new HttpError(401, 'bad_auth', `${name} must be 0x-prefixed hex of ${length} bytes`);
      return hexToU8a(value);
    };
    const challenge = hex('challenge', 32);
    const signature = hex('signature', 64);
    const unusable = challenges.check(challenge);
    if (unusable !== undefined) throw challengeError(unusable);
    if (!verifySignature(relayMessage({ genesisHash: chain.genesisHash, challenge, consultation: id }), signature, who)) {
      throw new HttpError(401, 'bad_signature', 'the signature is not the account\'s over this relay and challenge');
    }
    const used = challenges.consume(challenge);
    if (used !== undefined) throw challengeError(used);
    if (!pairs.has(id) && pairs.size >= options.relayMaxSessions) {
      throw new HttpError(503, 'busy', 'too many consultations are relayed now; try again later');
    }
    const at = await chain.atBest();
    const consultation = await at.consultation(id);
    if (consultation === undefined) throw new HttpError(404, 'unknown_consultation', 'no consultation has this id');
    const role: Role | undefined = u8aEq(consultation.patient, who)
      ? 'patient'
      : u8aEq(consultation.practitioner, who) ? 'practitioner' : undefined;
    if (role === undefined) throw new HttpError(403, 'forbidden', 'only the consultation\'s patient and practitioner may use its relay');
    if (!consultation.accepted) throw new HttpError(403, 'not_accepted', 'the consultation is not accepted (or has ended)');
    return { id, role, account: encodeAddress(who, 42) };
  };

  const join = (ws: WebSocket, id: bigint, role: Role): void => {
    let pair = pairs.get(id);
    if (pair === undefined && pairs.size >= options.relayMaxSessions) {
      // Admissions checked the bound before asking the chain; several at once may pass it.
      ws.close(CLOSE.peerAbsent, 'too many consultations are relayed now; try again later');
      return;
    }
    if (pair === undefined) {
      pair = { ends: {}, pending: { patient: [], practitioner: [] }, frames: 0, bytes: 0 };
      pairs.set(id, pair);
    }
    const current = pair;
    const replaced = current.ends[role];
    current.ends[role] = ws;
    replaced?.close(CLOSE.replaced, 'replaced by a newer connection of the same party');
    for (const frame of current.pending[role].splice(0)) ws.send(frame, { binary: true });

    let idle: NodeJS.Timeout | undefined;
    const touch = (): void => {
      clearTimeout(idle);
      idle = setTimeout(() => ws.close(CLOSE.idle, 'idle'), options.relayIdleMs);
    };
    touch();
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (!isBinary) {
        ws.close(CLOSE.notBinary, 'binary frames only');
        return;
      }
      touch();
      // The socket's binary type is Node's default: each message is one Buffer.
      const frame = data as Buffer;
      current.frames++;
      current.bytes += frame.length;
      const peer = current.ends[OTHER[role]];
      if (peer !== undefined && peer.readyState === WebSocket.OPEN) {
        peer.send(frame, { binary: true });
        return;
      }
      const waiting = current.pending[OTHER[role]];
      const waitingBytes = waiting.reduce((n, f) => n + f.length, 0);
      if (waiting.length >= options.relayMaxPending || waitingBytes + frame.length > MAX_PENDING_BYTES) {
        ws.close(CLOSE.peerAbsent, 'the other party has not connected');
        return;
      }
      waiting.push(frame);
    });
    // A protocol error (a frame past maxPayload, a bad opcode): ws closes the connection with
    // the matching code (1009, 1002) and emits this; without a listener it would end the process.
    ws.on('error', (e: Error) => {
      log.info('relay.protocol_error', { consultation: String(id), role, error: e.name });
    });
    ws.on('close', (code: number) => {
      clearTimeout(idle);
      if (current.ends[role] === ws) delete current.ends[role];
      log.info('relay.closed', { consultation: String(id), role, code });
      if (current.ends.patient === undefined && current.ends.practitioner === undefined && pairs.get(id) === current) {
        pairs.delete(id);
        log.info('relay.ended', { consultation: String(id), frames: current.frames, bytes: current.bytes });
      }
    });
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    admit(req)
      .then(({ id, role, account }) => {
        wss.handleUpgrade(req, socket, head, (ws) => {
          log.info('relay.opened', { consultation: String(id), role, account });
          join(ws, id, role);
        });
      })
      .catch((e: unknown) => {
        const refusal = refusalOf(e, log, 'relay.internal_error');
        log.info('relay.refused', { status: refusal.status, reason: refusal.reason });
        refuse(socket, refusal);
      });
  };
  server.on('upgrade', onUpgrade);

  return {
    sessions: () => pairs.size,
    close: () => {
      server.off('upgrade', onUpgrade);
      for (const ws of wss.clients) ws.close(CLOSE.shutdown, 'the gateway is shutting down');
      wss.close();
    },
  };
}

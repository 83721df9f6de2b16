/**
 * Secure consultation sessions: the end-to-end channel between a patient and a practitioner
 * during an accepted visit, keyed from the two ephemeral X25519 session keys the parties pin
 * on chain (`billing.publishSessionKey`, read back with `billing.sessionKeys`).
 *
 * - {@link newSessionKeyPair}: a fresh key per visit (never the registered key-agreement key).
 * - {@link SessionChannel}: derives the session secret from the two **pinned** keys (HKDF
 *   bound to the chain, the consultation and both keys), checks the peer's hello against the
 *   chain (a relay that swaps keys is refused: {@link KeyMismatchError}), and seals and opens
 *   frames with per-direction keys and sequence numbers (a replayed, reordered or changed frame
 *   is refused).
 * - {@link SessionChannel.fingerprint}, {@link SessionChannel.sas}, {@link dtlsBindingTag}: the
 *   fingerprints that pin a WebRTC/DTLS media session to the same keys.
 * - {@link MemoryRelay} and {@link connectSession}: a relay that carries opaque frames, and a
 *   client that runs the channel over one.
 *
 * Layouts in FORMATS.md ("Consultation session"), vectors in `vectors/sessions.json`.
 *
 * @module
 */

import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';

import { concatBytes, equalBytes, fromHex, secureRandom, u64le, utf8, type Random } from './bytes.ts';
import {
  DecryptionError,
  FormatError,
  MalformedError,
  MismatchError,
  OversizeError,
  TruncatedError,
  UnknownVersionError,
} from './errors.ts';
import { isValidKeyAgreementKey, X25519_KEY_LENGTH } from './hpke.ts';

/** The version byte of every session frame. */
export const SESSION_VERSION = 0x01;
/** The frame type of a hello (a party's key and its key confirmation). */
export const HELLO_TYPE = 0x01;
/** The frame type of an encrypted message. */
export const MESSAGE_TYPE = 0x02;
/** Length of a hello frame, in bytes. */
export const HELLO_LENGTH = 75;
/** Length of a message frame's header (its associated data), in bytes. */
export const MESSAGE_HEADER_LENGTH = 11;
/** The longest plaintext of one message frame, in bytes (64 KiB). */
export const MAX_MESSAGE_LENGTH = 65_536;
/** The domain label of the key derivation, its salt and the start of its info. */
export const SESSION_LABEL = 'telemed/session/v1';

/** The two parties of a consultation, as the role byte of the frames. */
export type SessionRole = 'patient' | 'practitioner';

/** The role byte: 0x00 the patient, 0x01 the practitioner. */
export function roleByte(role: SessionRole): number {
  return role === 'patient' ? 0x00 : 0x01;
}

function otherRole(role: SessionRole): SessionRole {
  return role === 'patient' ? 'practitioner' : 'patient';
}

/** An ephemeral X25519 key pair for one visit. */
export interface SessionKeyPair {
  /** The secret key, 32 bytes: stays on the device, forgotten after the visit. */
  secretKey: Uint8Array;
  /** The public key, 32 bytes: what `billing.publishSessionKey` pins on chain. */
  publicKey: Uint8Array;
}

/**
 * A fresh ephemeral session key pair, whose public key passes the chain's check (canonical,
 * not of small order: an X25519 public key from a random scalar always does).
 *
 * @param random - randomness; only for test vectors
 */
export function newSessionKeyPair(random: Random = secureRandom): SessionKeyPair {
  const secretKey = random(X25519_KEY_LENGTH);
  return { secretKey, publicKey: x25519.getPublicKey(secretKey) };
}

/** What a session is bound to: the chain and the consultation. */
export interface SessionBinding {
  /** The chain's genesis hash, 32 bytes. */
  genesisHash: Uint8Array;
  /** The consultation (booking) id. */
  consultation: bigint;
}

/** The two keys pinned on chain for the consultation (`billing.sessionKeys`). */
export interface PinnedSessionKeys {
  /** The patient's session public key. */
  patient: Uint8Array;
  /** The practitioner's session public key. */
  practitioner: Uint8Array;
}

/** The session keys a key exchange yields (see FORMATS.md). */
export interface SessionSecrets {
  /** Seals what the patient sends. */
  patientToPractitioner: Uint8Array;
  /** Seals what the practitioner sends. */
  practitionerToPatient: Uint8Array;
  /** The session fingerprint, shown to people and pinning the DTLS session. */
  fingerprint: Uint8Array;
  /** Authenticates the hellos (key confirmation) and keys the DTLS binding tags; never shown. */
  confirm: Uint8Array;
}

/** The HKDF info of a session: the label, the chain, the consultation, both pinned keys. */
export function sessionInfo(binding: SessionBinding, pinned: PinnedSessionKeys): Uint8Array {
  if (binding.genesisHash.length !== 32) {
    throw new MalformedError('session', 'a genesis hash has 32 bytes');
  }
  return concatBytes(
    utf8(SESSION_LABEL),
    binding.genesisHash,
    u64le(binding.consultation),
    pinned.patient,
    pinned.practitioner,
  );
}

/**
 * Derives the session secrets of `role` from its secret key and the two pinned keys.
 *
 * @throws {@link KeyMismatchError} if `mine` is not the key pinned for `role`
 * @throws {@link MalformedError} if a pinned key fails the chain's check or both are equal
 */
export function deriveSessionSecrets(
  role: SessionRole,
  mine: SessionKeyPair,
  binding: SessionBinding,
  pinned: PinnedSessionKeys,
): SessionSecrets {
  for (const key of [pinned.patient, pinned.practitioner]) {
    if (!isValidKeyAgreementKey(key)) {
      throw new MalformedError('session', 'a pinned key is not a valid X25519 key');
    }
  }
  if (equalBytes(pinned.patient, pinned.practitioner)) {
    throw new MalformedError('session', 'both parties pinned the same key');
  }
  if (!equalBytes(mine.publicKey, pinned[role])) {
    throw new KeyMismatchError(`the key pinned on chain for the ${role} is not this device's`);
  }
  const peer = pinned[otherRole(role)];
  let shared: Uint8Array;
  try {
    shared = x25519.getSharedSecret(mine.secretKey, peer);
  } catch {
    throw new MalformedError('session', 'the key exchange gave no secret');
  }
  const okm = hkdf(sha256, shared, utf8(SESSION_LABEL), sessionInfo(binding, pinned), 128);
  shared.fill(0);
  return {
    patientToPractitioner: okm.slice(0, 32),
    practitionerToPatient: okm.slice(32, 64),
    fingerprint: okm.slice(64, 96),
    confirm: okm.slice(96, 128),
  };
}

/**
 * The keys a relay (or anything between the parties) presented are not the ones the chain
 * pins for the consultation: a man in the middle, or a key replaced on chain since it was read
 * (re-read `billing.sessionKeys` and look for `SessionKeyReplaced`).
 */
export class KeyMismatchError extends MismatchError {
  /** @param message - which key differs */
  constructor(message: string) {
    super('session', message);
  }
}

/** A message frame out of sequence: a replay (already received) or a reorder (one skipped). */
export class SequenceError extends FormatError {
  /** The sequence number the channel expected. */
  readonly expected: bigint;
  /** The sequence number of the frame. */
  readonly got: bigint;

  /**
   * @param expected - the next sequence number
   * @param got - the frame's
   */
  constructor(expected: bigint, got: bigint) {
    super('session', got < expected ? `replayed frame ${got} (next is ${expected})` : `frame ${got} out of order (next is ${expected})`);
    this.expected = expected;
    this.got = got;
  }
}

/** A parsed hello. */
export interface Hello {
  /** The sender's role. */
  role: SessionRole;
  /** The consultation it is for. */
  consultation: bigint;
  /** The sender's session public key. */
  publicKey: Uint8Array;
  /** The key confirmation tag. */
  confirm: Uint8Array;
}

function checkHeader(frame: Uint8Array, type: number, minimum: number): void {
  if (frame.length === 0) throw new TruncatedError('session', 'empty frame');
  if (frame[0] !== SESSION_VERSION) throw new UnknownVersionError('session', frame[0] as number);
  if (frame.length < 2) throw new TruncatedError('session', 'no frame type');
  if (frame[1] !== type) throw new MalformedError('session', `frame type ${frame[1]}, expected ${type}`);
  if (frame.length < minimum) throw new TruncatedError('session', `a frame of ${frame.length} bytes`);
}

function parseRole(byte: number | undefined): SessionRole {
  if (byte === 0x00) return 'patient';
  if (byte === 0x01) return 'practitioner';
  throw new MalformedError('session', `unknown role byte ${byte}`);
}

/** The type byte of a frame (after checking its version), to dispatch hellos and messages. */
export function frameType(frame: Uint8Array): number {
  if (frame.length === 0) throw new TruncatedError('session', 'empty frame');
  if (frame[0] !== SESSION_VERSION) throw new UnknownVersionError('session', frame[0] as number);
  if (frame.length < 2) throw new TruncatedError('session', 'no frame type');
  return frame[1] as number;
}

/** Parses a hello frame (no check against the chain: {@link SessionChannel.acceptHello} does). */
export function parseHello(frame: Uint8Array): Hello {
  checkHeader(frame, HELLO_TYPE, HELLO_LENGTH);
  if (frame.length > HELLO_LENGTH) throw new OversizeError('session', `a hello has ${HELLO_LENGTH} bytes`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.length);
  return {
    role: parseRole(frame[2]),
    consultation: view.getBigUint64(3, true),
    publicKey: frame.slice(11, 43),
    confirm: frame.slice(43, 75),
  };
}

function messageNonce(seq: bigint): Uint8Array {
  return concatBytes(new Uint8Array(4), u64le(seq));
}

/**
 * One party's end of the encrypted channel of a consultation. Pure state: frames in, frames
 * out, over any transport. Sequence numbers start at 0 in each direction; a frame is accepted
 * only with the next number, so the channel assumes an ordered transport (a relay, a WebRTC
 * data channel in its default ordered mode) and refuses anything replayed, reordered or lost
 * in between (open a new channel, with new keys, to recover).
 */
export class SessionChannel {
  /** This party's role. */
  readonly role: SessionRole;
  /** What the session is bound to. */
  readonly binding: SessionBinding;
  /** The keys pinned on chain this channel was derived from. */
  readonly pinned: PinnedSessionKeys;
  readonly #secrets: SessionSecrets;
  #sendSeq = 0n;
  #recvSeq = 0n;
  #peerConfirmed = false;

  /**
   * Derives the channel of `role` from its key pair and the two keys **read from the chain**
   * (never from the relay).
   *
   * @throws as {@link deriveSessionSecrets}
   */
  constructor(role: SessionRole, mine: SessionKeyPair, binding: SessionBinding, pinned: PinnedSessionKeys) {
    this.role = role;
    this.binding = { genesisHash: binding.genesisHash.slice(), consultation: binding.consultation };
    this.pinned = { patient: pinned.patient.slice(), practitioner: pinned.practitioner.slice() };
    this.#secrets = deriveSessionSecrets(role, mine, binding, pinned);
  }

  /** The session fingerprint, 32 bytes (equal on both ends exactly when the keys are). */
  get fingerprint(): Uint8Array {
    return this.#secrets.fingerprint.slice();
  }

  /** The fingerprint for people: 8 groups of 4 hex digits of its first 16 bytes. */
  get fingerprintHex(): string {
    const hex = Buffer.from(this.#secrets.fingerprint.subarray(0, 16)).toString('hex').toUpperCase();
    return hex.match(/.{4}/g)!.join(' ');
  }

  /** A short authentication string both people can read aloud: 6 decimal digits. */
  get sas(): string {
    const f = this.#secrets.fingerprint;
    const n = new DataView(f.buffer, f.byteOffset, 4).getUint32(0, false) % 1_000_000;
    return n.toString().padStart(6, '0');
  }

  /** Whether the peer's hello matched the chain and proved it derived the same secret. */
  get verified(): boolean {
    return this.#peerConfirmed;
  }

  #confirmTag(role: SessionRole): Uint8Array {
    return hmac(sha256, this.#secrets.confirm, concatBytes(utf8(`${SESSION_LABEL}/hello`), Uint8Array.of(roleByte(role))));
  }

  /**
   * The DTLS binding tag of `role`'s certificate fingerprint, keyed with the session's secret
   * `confirm` key (never with the displayed fingerprint): see {@link dtlsBindingTag}.
   */
  dtlsTag(role: SessionRole, certificateFingerprint: Uint8Array): Uint8Array {
    if (certificateFingerprint.length !== 32) {
      throw new MalformedError('session', 'a sha-256 certificate fingerprint has 32 bytes');
    }
    return hmac(
      sha256,
      this.#secrets.confirm,
      concatBytes(utf8(`${SESSION_LABEL}/dtls`), Uint8Array.of(roleByte(role)), certificateFingerprint),
    );
  }

  /** This party's hello: its role, the consultation, its key and its key confirmation. */
  hello(): Uint8Array {
    return concatBytes(
      Uint8Array.of(SESSION_VERSION, HELLO_TYPE, roleByte(this.role)),
      u64le(this.binding.consultation),
      this.pinned[this.role],
      this.#confirmTag(this.role),
    );
  }

  /**
   * Checks the peer's hello: its role, the consultation, its key against the key **pinned on
   * chain** and its key confirmation. Afterwards {@link verified} is true.
   *
   * @throws {@link KeyMismatchError} if the key is not the pinned one (a swap on the way)
   * @throws {@link DecryptionError} if the confirmation fails (the peer derived another secret)
   * @throws {@link MalformedError} for another consultation or the own role (a reflection)
   */
  acceptHello(frame: Uint8Array): void {
    const hello = parseHello(frame);
    const peer = otherRole(this.role);
    if (hello.role !== peer) throw new MalformedError('session', 'a hello of the own role');
    if (hello.consultation !== this.binding.consultation) {
      throw new MalformedError('session', 'a hello for another consultation');
    }
    if (!equalBytes(hello.publicKey, this.pinned[peer])) {
      throw new KeyMismatchError(`the ${peer}'s key on the relay is not the one pinned on chain`);
    }
    if (!equalBytes(hello.confirm, this.#confirmTag(peer))) {
      throw new DecryptionError('session', 'the key confirmation failed');
    }
    this.#peerConfirmed = true;
  }

  /**
   * Seals `plaintext` as the next message frame of this party's direction.
   *
   * @throws {@link OversizeError} past {@link MAX_MESSAGE_LENGTH}
   */
  seal(plaintext: Uint8Array): Uint8Array {
    if (plaintext.length > MAX_MESSAGE_LENGTH) {
      throw new OversizeError('session', `a message has at most ${MAX_MESSAGE_LENGTH} bytes`);
    }
    if (this.#sendSeq > 0xffff_ffff_ffff_ffffn) throw new OversizeError('session', 'sequence numbers exhausted');
    const seq = this.#sendSeq;
    const header = concatBytes(Uint8Array.of(SESSION_VERSION, MESSAGE_TYPE, roleByte(this.role)), u64le(seq));
    const key = this.role === 'patient' ? this.#secrets.patientToPractitioner : this.#secrets.practitionerToPatient;
    const ct = chacha20poly1305(key, messageNonce(seq), header).encrypt(plaintext);
    this.#sendSeq = seq + 1n;
    return concatBytes(header, ct);
  }

  /**
   * Opens the peer's next message frame. A refused frame changes nothing: the channel still
   * expects the same sequence number.
   *
   * @throws {@link SequenceError} for a replayed or reordered frame
   * @throws {@link DecryptionError} for a changed frame or another session's
   * @throws {@link MalformedError} for a frame of the own direction (a reflection)
   */
  open(frame: Uint8Array): Uint8Array {
    checkHeader(frame, MESSAGE_TYPE, MESSAGE_HEADER_LENGTH + 16);
    if (frame.length > MESSAGE_HEADER_LENGTH + 16 + MAX_MESSAGE_LENGTH) {
      throw new OversizeError('session', 'a frame past the longest message');
    }
    const sender = parseRole(frame[2]);
    if (sender === this.role) throw new MalformedError('session', 'a frame of the own direction');
    const seq = new DataView(frame.buffer, frame.byteOffset, frame.length).getBigUint64(3, true);
    if (seq !== this.#recvSeq) throw new SequenceError(this.#recvSeq, seq);
    const key = sender === 'patient' ? this.#secrets.patientToPractitioner : this.#secrets.practitionerToPatient;
    let plaintext: Uint8Array;
    try {
      plaintext = chacha20poly1305(key, messageNonce(seq), frame.subarray(0, MESSAGE_HEADER_LENGTH)).decrypt(
        frame.subarray(MESSAGE_HEADER_LENGTH),
      );
    } catch {
      throw new DecryptionError('session', 'the frame does not open');
    }
    this.#recvSeq = seq + 1n;
    return plaintext;
  }
}

/**
 * A DTLS certificate fingerprint from an SDP `a=fingerprint:sha-256 AB:CD:…` line (or the bare
 * colon-separated hex): 32 bytes.
 *
 * @throws {@link MalformedError} for another hash function or length
 */
export function parseSdpFingerprint(line: string): Uint8Array {
  const m = /^(?:a=fingerprint:)?\s*sha-256\s+([0-9A-Fa-f:]+)\s*$/.exec(line.trim());
  const hex = m?.[1]?.replaceAll(':', '');
  if (!hex || hex.length !== 64) throw new MalformedError('session', 'not a sha-256 DTLS fingerprint');
  return fromHex(hex);
}

/**
 * The tag binding `role`'s DTLS certificate (its SHA-256 fingerprint, from its SDP) to the
 * session: `HMAC-SHA256(confirm, label ‖ role ‖ certificate fingerprint)`, keyed with a
 * session secret that is never displayed (the fingerprint and SAS are shown to people, so they
 * key nothing). Each party sends
 * its tag with its SDP (over the relay, the channel or the signalling); the peer checks the
 * certificate the DTLS handshake showed with {@link verifyDtlsBinding}, so the media session is
 * pinned to the same chain keys as the channel.
 */
export function dtlsBindingTag(channel: SessionChannel, role: SessionRole, certificateFingerprint: Uint8Array): Uint8Array {
  return channel.dtlsTag(role, certificateFingerprint);
}

/**
 * Whether the peer's DTLS certificate fingerprint (as the DTLS handshake presented it) is the
 * one its tag binds to this session.
 */
export function verifyDtlsBinding(channel: SessionChannel, certificateFingerprint: Uint8Array, tag: Uint8Array): boolean {
  const peer = otherRole(channel.role);
  return equalBytes(dtlsBindingTag(channel, peer, certificateFingerprint), tag);
}

// ---- transport -----------------------------------------------------------------------------

/** One end of a relay: sends and receives opaque frames, in order. */
export interface RelayEndpoint {
  /** Sends a frame to the other end. */
  send(frame: Uint8Array): void;
  /** Registers the listener of frames from the other end (one listener). */
  onFrame(listener: (frame: Uint8Array) => void): void;
}

/**
 * What a relay may do to a frame on its way (tests): return it (changed or not), several
 * frames (a replay), or none (a drop).
 */
export type RelayIntercept = (frame: Uint8Array, from: 'a' | 'b') => Uint8Array | Uint8Array[] | null;

/** An in-memory relay between two endpoints that sees (and logs) only frames, delivered in order. */
export class MemoryRelay {
  /** One end. */
  readonly a: RelayEndpoint;
  /** The other end. */
  readonly b: RelayEndpoint;
  /** Every frame the relay carried, as it saw it: what a relay operator learns. */
  readonly seen: Uint8Array[] = [];

  /** @param intercept - what the relay does to each frame (default: nothing) */
  constructor(intercept: RelayIntercept = (frame) => frame) {
    const listeners: { a?: (f: Uint8Array) => void; b?: (f: Uint8Array) => void } = {};
    const pending: { a: Uint8Array[]; b: Uint8Array[] } = { a: [], b: [] };
    const deliver = (to: 'a' | 'b', frame: Uint8Array): void => {
      const listener = listeners[to];
      if (listener) queueMicrotask(() => listener(frame));
      else pending[to].push(frame);
    };
    const end = (me: 'a' | 'b'): RelayEndpoint => ({
      send: (frame) => {
        this.seen.push(frame.slice());
        const out = intercept(frame.slice(), me);
        const frames = out === null ? [] : Array.isArray(out) ? out : [out];
        for (const f of frames) deliver(me === 'a' ? 'b' : 'a', f);
      },
      onFrame: (listener) => {
        listeners[me] = listener;
        for (const f of pending[me].splice(0)) queueMicrotask(() => listener(f));
      },
    });
    this.a = end('a');
    this.b = end('b');
  }
}

/** A channel running over a relay: send and receive plaintexts. */
export interface SessionConnection {
  /** The underlying channel (fingerprints, {@link SessionChannel.verified}). */
  readonly channel: SessionChannel;
  /** Seals and sends `message`. */
  send(message: Uint8Array): void;
  /** The next message from the peer; rejects with the error of the first refused frame. */
  receive(): Promise<Uint8Array>;
}

/**
 * Runs `channel` over `endpoint`: sends the hello, waits for the peer's and checks it against
 * the pinned keys, then carries messages. The first refused frame (a key swap, a replay, a
 * reorder, a change) fails the connection for good: every later {@link SessionConnection.receive}
 * rejects with that error.
 *
 * @throws (rejects) {@link KeyMismatchError} if the peer's hello carries another key than the
 *   chain's, and the other errors of {@link SessionChannel.acceptHello}
 */
export function connectSession(channel: SessionChannel, endpoint: RelayEndpoint): Promise<SessionConnection> {
  const inbox: Uint8Array[] = [];
  const waiting: { resolve: (m: Uint8Array) => void; reject: (e: unknown) => void }[] = [];
  let failure: unknown;
  let helloDone: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  const fail = (e: unknown): void => {
    if (failure !== undefined) return;
    failure = e;
    helloDone?.reject(e);
    for (const w of waiting.splice(0)) w.reject(e);
  };
  const connection: SessionConnection = {
    channel,
    send: (message) => endpoint.send(channel.seal(message)),
    receive: () => {
      if (failure !== undefined) return Promise.reject(failure);
      const next = inbox.shift();
      if (next) return Promise.resolve(next);
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
  };
  const ready = new Promise<SessionConnection>((resolve, reject) => {
    helloDone = { resolve: () => resolve(connection), reject };
  });
  endpoint.onFrame((frame) => {
    if (failure !== undefined) return;
    try {
      if (!channel.verified) {
        if (frameType(frame) !== HELLO_TYPE) throw new MalformedError('session', 'a message before the hello');
        channel.acceptHello(frame);
        helloDone?.resolve();
        return;
      }
      const message = channel.open(frame);
      const w = waiting.shift();
      if (w) w.resolve(message);
      else inbox.push(message);
    } catch (e) {
      fail(e);
    }
  });
  endpoint.send(channel.hello());
  return ready;
}

// The consultation relay with a fake chain: the two parties of an accepted consultation run the
// SDK's end-to-end session over it (both ways, frames sent before the peer joins kept for it);
// it logs no frame; every other opening is refused before the upgrade with a status and a
// reason (stranger, not accepted, unknown, bad id, bad or replayed auth, too many sessions);
// text, oversize, idle, a replaced connection and a peer that never comes are closed.

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { request } from 'node:http';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, decodeAddress, mnemonicGenerate } from '@polkadot/util-crypto';
import WebSocket from 'ws';
import {
  connectRelay,
  connectSession,
  newSessionKeyPair,
  relayMessage,
  relayUrl,
  SessionChannel,
  utf8,
  type RelayConnection,
} from '@telemed/sdk';
import { getChallenge } from '../src/client.ts';
import { createLogger } from '../src/log.ts';
import { attachRelay, CLOSE, MAX_FRAME_BYTES, type Relay, type RelayOptions } from '../src/relay.ts';
import { startApi, type ApiOptions, type GatewayApi } from '../src/server.ts';
import { FakeChain, MemoryBlobStore } from './fakes.ts';

const OPTIONS: ApiOptions & RelayOptions = {
  maxBlobBytes: 8192,
  challengeTtlMs: 30_000,
  maxChallenges: 100,
  clockSkewMs: 60_000,
  fetchTimeoutMs: 2_000,
  relayMaxSessions: 2,
  relayIdleMs: 30_000,
  relayMaxPending: 4,
};

const ID = 42n;

describe('consultation relay (fake chain)', () => {
  let chain: FakeChain;
  let api: GatewayApi;
  let relay: Relay;
  const lines: string[] = [];
  let patient: KeyringPair;
  let doctor: KeyringPair;
  let stranger: KeyringPair;
  const open: (RelayConnection | WebSocket)[] = [];

  async function start(options: Partial<RelayOptions> = {}): Promise<void> {
    relay?.close();
    await api?.close();
    lines.length = 0;
    const log = createLogger('debug', (l) => lines.push(l));
    api = await startApi({ chain, store: new MemoryBlobStore(), log, options: OPTIONS }, '127.0.0.1', 0);
    relay = attachRelay(api.server, { chain, log, challenges: api.challenges, options: { ...OPTIONS, ...options } });
  }

  /** A signed relay URL of `signer` for consultation `id` (a fresh challenge unless given). */
  async function signedUrl(signer: KeyringPair, id = ID, challenge?: Uint8Array, signedFor = id): Promise<string> {
    const c = challenge ?? await getChallenge(api.url);
    const signature = signer.sign(relayMessage({ genesisHash: chain.genesisHash, challenge: c, consultation: signedFor }));
    return relayUrl(api.url, id, { account: signer.address, challenge: u8aToHex(c), signature: u8aToHex(signature) });
  }

  /** The HTTP status and reason of an opening the relay refuses (no upgrade happens). */
  function refusalOf(url: string): Promise<[number, string]> {
    return new Promise((resolve, reject) => {
      const req = request(url.replace(/^ws/, 'http'), {
        headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (d: Buffer) => { body += d.toString(); });
        res.on('end', () => resolve([res.statusCode ?? 0, (JSON.parse(body) as { reason: string }).reason]));
      });
      req.on('upgrade', () => reject(new Error('upgraded: not refused')));
      req.on('error', reject);
      req.end();
    });
  }

  /** A raw `ws` client, open; its close code and reason when it closes. */
  async function raw(url: string): Promise<{ ws: WebSocket; closed: Promise<[number, string]> }> {
    const ws = new WebSocket(url);
    open.push(ws);
    const closed = new Promise<[number, string]>((resolve) => ws.on('close', (code, reason) => resolve([code, reason.toString()])));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return { ws, closed };
  }

  async function party(signer: KeyringPair): Promise<RelayConnection> {
    const connection = await connectRelay(api.url, ID, signer, chain.genesisHash);
    open.push(connection);
    return connection;
  }

  before(async () => {
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    [patient, doctor, stranger] = [0, 1, 2].map(() => keyring.addFromMnemonic(mnemonicGenerate())) as [KeyringPair, KeyringPair, KeyringPair];
  });

  beforeEach(async () => {
    for (const c of open.splice(0)) c.close();
    chain = new FakeChain();
    chain.consultations.set(ID, { patient: decodeAddress(patient.address), practitioner: decodeAddress(doctor.address), accepted: true });
    await start();
  });

  after(async () => {
    for (const c of open.splice(0)) c.close();
    relay.close();
    await api.close();
  });

  test('the two parties run the end-to-end session over it; no frame is logged', async () => {
    const pk = newSessionKeyPair();
    const dk = newSessionKeyPair();
    const pinned = { patient: pk.publicKey, practitioner: dk.publicKey };
    const binding = { genesisHash: chain.genesisHash, consultation: ID };
    // The patient connects and says hello before the practitioner is there: the relay keeps it.
    const patientEnd = await party(patient);
    const patientSide = connectSession(new SessionChannel('patient', pk, binding, pinned), patientEnd);
    const doctorSide = await connectSession(new SessionChannel('practitioner', dk, binding, pinned), await party(doctor));
    const p = await patientSide;
    assert.ok(p.channel.verified && doctorSide.channel.verified);
    assert.equal(p.channel.sas, doctorSide.channel.sas);
    p.send(utf8('how are you feeling today'));
    assert.equal(new TextDecoder().decode(await doctorSide.receive()), 'how are you feeling today');
    doctorSide.send(utf8('better, thank you'));
    assert.equal(new TextDecoder().decode(await p.receive()), 'better, thank you');
    assert.equal(relay.sessions(), 1);
    const log = lines.join('\n');
    assert.match(log, /relay\.opened/);
    assert.doesNotMatch(log, /feeling|thank/);
  });

  test('openings that are refused before the upgrade', async () => {
    assert.deepEqual(await refusalOf(await signedUrl(stranger)), [403, 'forbidden']);
    chain.consultations.set(7n, { patient: decodeAddress(patient.address), practitioner: decodeAddress(doctor.address), accepted: false });
    assert.deepEqual(await refusalOf(await signedUrl(patient, 7n)), [403, 'not_accepted']);
    assert.deepEqual(await refusalOf(await signedUrl(patient, 8n)), [404, 'unknown_consultation']);
    assert.deepEqual(await refusalOf(await signedUrl(patient, ID, undefined, 7n)), [401, 'bad_signature']);
    assert.deepEqual(await refusalOf(await signedUrl(doctor, ID, undefined, 7n)), [401, 'bad_signature']);
    const challenge = await getChallenge(api.url);
    const once = await signedUrl(patient, ID, challenge);
    const first = await raw(once);
    first.ws.close();
    assert.deepEqual(await refusalOf(once), [401, 'challenge_used']);
    assert.deepEqual(await refusalOf(await signedUrl(patient, ID, new Uint8Array(32).fill(1))), [401, 'unknown_challenge']);
    const good = new URL(await signedUrl(patient));
    for (const name of ['account', 'challenge', 'signature']) {
      const missing = new URL(good);
      missing.searchParams.delete(name);
      assert.deepEqual(await refusalOf(missing.toString()), [401, 'missing_auth'], name);
    }
    const short = new URL(good);
    short.searchParams.set('signature', '0x1234');
    assert.deepEqual(await refusalOf(short.toString()), [401, 'bad_auth']);
    assert.deepEqual(await refusalOf(good.toString().replace(`/sessions/${ID}/`, '/sessions/18446744073709551616/')), [400, 'bad_consultation_id']);
    assert.deepEqual(await refusalOf(good.toString().replace(`/sessions/${ID}/relay`, '/sessions/42/other')), [404, 'not_found']);
  });

  test('at most relayMaxSessions consultations at once', async () => {
    for (const id of [1n, 2n, 3n]) {
      chain.consultations.set(id, { patient: decodeAddress(patient.address), practitioner: decodeAddress(doctor.address), accepted: true });
    }
    await raw(await signedUrl(patient, 1n));
    await raw(await signedUrl(patient, 2n));
    assert.deepEqual(await refusalOf(await signedUrl(patient, 3n)), [503, 'busy']);
    // A consultation already relayed still admits its other party.
    await raw(await signedUrl(doctor, 2n));
  });

  test('text and oversize frames close the sender; a frame at the bound goes through', async () => {
    const a = await raw(await signedUrl(patient));
    const b = await raw(await signedUrl(doctor));
    const got = new Promise<number>((resolve) => b.ws.once('message', (data: Buffer) => resolve(data.length)));
    a.ws.send(new Uint8Array(MAX_FRAME_BYTES));
    assert.equal(await got, MAX_FRAME_BYTES);
    a.ws.send(new Uint8Array(MAX_FRAME_BYTES + 1));
    assert.equal((await a.closed)[0], 1009);
    // The gateway logged it and lives on: the other party is still connected.
    assert.ok(lines.some((l) => l.includes('"event":"relay.protocol_error"')));
    assert.equal(b.ws.readyState, WebSocket.OPEN);
    b.ws.send('hello');
    assert.equal((await b.closed)[0], CLOSE.notBinary);
  });

  test('a reconnect replaces the older connection; a peer that never comes closes the sender', async () => {
    const first = await raw(await signedUrl(patient));
    const second = await raw(await signedUrl(patient));
    assert.deepEqual(await first.closed, [CLOSE.replaced, 'replaced by a newer connection of the same party']);
    for (let i = 0; i < OPTIONS.relayMaxPending; i++) second.ws.send(new Uint8Array([i]));
    second.ws.send(new Uint8Array([99]));
    assert.equal((await second.closed)[0], CLOSE.peerAbsent);
  });

  test('an idle connection is closed', async () => {
    await start({ relayIdleMs: 200 });
    const a = await raw(await signedUrl(patient));
    assert.deepEqual(await a.closed, [CLOSE.idle, 'idle']);
    // The relay forgets the consultation once its side of the close is done.
    for (let i = 0; i < 100 && relay.sessions() > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(relay.sessions(), 0);
  });

  test('a chain that does not answer is 503 chain_unavailable', async () => {
    const url = await signedUrl(patient);
    chain.drop();
    assert.deepEqual(await refusalOf(url), [503, 'chain_unavailable']);
  });
});

// A consultation's end-to-end session through the SDK, a real node and a real gateway's relay
// (issue 19): the patient books, the physician accepts, each pins a fresh session key on chain
// (signed by their own account), each derives the channel from the two keys as the chain pins
// them, and they talk through the gateway's relay, which carries only frames (its log holds
// none of the words). A stranger's key is refused by the chain and a stranger's opening by the
// relay; a key replaced on chain makes the older channel refuse to start; a cancelled visit's
// keys expire and its relay admits no one. Runs on the shared node with a gateway of its own.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import '@polkadot/api-augment';
import type { ApiPromise } from '@polkadot/api';
import { startDevChain, stopDevChain, type DevChain } from '../lib/chain.ts';
import { funded } from '../lib/funding.ts';
import { startTestGateway, type TestGateway } from '../lib/gateway.ts';
import { licensedPhysician } from '../lib/practitioners.ts';
import {
  type Actor,
  acceptConsultation,
  billing,
  bookConsultation,
  connectRelay,
  connectSession,
  type FlowContext,
  generateRecoveryPhrase,
  KeyMismatchError,
  KeyRing,
  MemoryBlobStore,
  newSessionKeyPair,
  pinSessionKey,
  RelayError,
  refusal,
  sdkChain,
  sessionChannel,
  utf8,
} from '../lib/sdk.ts';
import { chainNow } from '../lib/tx.ts';
import { HOUR, MINUTE, UNITS } from '../lib/units.ts';

const SERVICE = 'video-15';

describe('a consultation session through a gateway relay', { timeout: 300_000 }, () => {
  let chain: DevChain | undefined;
  let gateway: TestGateway | undefined;
  let api: ApiPromise;
  let ctx: FlowContext;
  let patient: Actor;
  let doctor: Actor;
  let stranger: Actor;

  const keys = () => KeyRing.fromRecoveryPhrase(generateRecoveryPhrase());

  /** A visit booked an hour ahead and accepted: its id. */
  async function acceptedVisit(): Promise<bigint> {
    const booked = await bookConsultation(ctx, patient, doctor.signer.address, SERVICE, (await chainNow(api)) + HOUR);
    await acceptConsultation(ctx, doctor, booked.id);
    return booked.id;
  }

  before(async () => {
    chain = await startDevChain({ shared: true });
    api = chain.api;
    ctx = { chain: sdkChain(api), store: new MemoryBlobStore() };
    const started = startTestGateway(chain.wsUrl).then((g) => {
      gateway = g;
    });
    const doctorKeys = keys();
    const [patientPair, doctorPair, strangerPair] = await Promise.all([
      funded(api, 100n * UNITS),
      licensedPhysician(api, doctorKeys.keyAgreement(0).publicKey),
      funded(api, 10n * UNITS),
    ]);
    patient = { signer: patientPair, keys: keys() };
    doctor = { signer: doctorPair, keys: doctorKeys };
    stranger = { signer: strangerPair, keys: keys() };
    await billing.setService(ctx.chain, doctor.signer, SERVICE, new Uint8Array(32).fill(3), 5n * UNITS, 15 * MINUTE);
    await started;
  });

  after(async () => {
    await gateway?.stop();
    await stopDevChain(chain);
  });

  test('pinned keys, a verified channel over the relay, messages both ways; the relay logs no words', async () => {
    const id = await acceptedVisit();
    const mine = { patient: await pinSessionKey(ctx, patient, id), doctor: await pinSessionKey(ctx, doctor, id) };
    // A stranger cannot pin a key for the visit.
    assert.equal(await refusal(billing.publishSessionKey(ctx.chain, stranger.signer, id, newSessionKeyPair().publicKey)), 'billing.NotAParty');

    const [patientChannel, doctorChannel] = await Promise.all([
      sessionChannel(ctx, 'patient', id, mine.patient.keys),
      sessionChannel(ctx, 'practitioner', id, mine.doctor.keys),
    ]);
    const url = gateway!.url;
    const [patientRelay, doctorRelay] = await Promise.all([
      connectRelay(url, id, patient.signer, ctx.chain.genesisHash),
      connectRelay(url, id, doctor.signer, ctx.chain.genesisHash),
    ]);
    const [p, d] = await Promise.all([connectSession(patientChannel, patientRelay), connectSession(doctorChannel, doctorRelay)]);
    assert.ok(p.channel.verified && d.channel.verified, 'both hellos matched the keys pinned on chain');
    assert.equal(p.channel.sas, d.channel.sas);
    p.send(utf8('the rash is smaller since Monday'));
    assert.equal(new TextDecoder().decode(await d.receive()), 'the rash is smaller since Monday');
    d.send(utf8('keep the same cream for a week'));
    assert.equal(new TextDecoder().decode(await p.receive()), 'keep the same cream for a week');
    patientRelay.close();
    doctorRelay.close();

    // The stranger is not admitted to the relay.
    await assert.rejects(connectRelay(url, id, stranger.signer, ctx.chain.genesisHash), RelayError);
    const log = gateway!.lines.join('\n');
    assert.match(log, /"event":"relay\.opened"/);
    assert.match(log, /"event":"relay\.refused".*"reason":"forbidden"/);
    assert.doesNotMatch(log, /rash|cream/);
  });

  test('a key replaced on chain: the older channel refuses to start', async () => {
    const id = await acceptedVisit();
    const first = await pinSessionKey(ctx, patient, id);
    await pinSessionKey(ctx, doctor, id);
    const second = await pinSessionKey(ctx, patient, id);
    assert.ok(second.replaced);
    await assert.rejects(sessionChannel(ctx, 'patient', id, first.keys), KeyMismatchError);
    assert.ok((await sessionChannel(ctx, 'patient', id, second.keys)).fingerprintHex);
  });

  test('a cancelled visit: the keys expire, the relay admits no one', async () => {
    const id = await acceptedVisit();
    await pinSessionKey(ctx, patient, id);
    await pinSessionKey(ctx, doctor, id);
    await billing.cancel(ctx.chain, doctor.signer, id);
    assert.equal(await billing.sessionKeys(ctx.chain, id), null);
    await assert.rejects(connectRelay(gateway!.url, id, patient.signer, ctx.chain.genesisHash), RelayError);
    assert.match(gateway!.lines.join('\n'), /"reason":"not_accepted"/);
  });
});

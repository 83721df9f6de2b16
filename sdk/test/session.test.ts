// Consultation sessions: two clients over an in-memory relay; a relay that swaps keys, replays,
// reorders, drops, reflects or changes frames is refused; the DTLS binding; bad input.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  connectSession,
  DecryptionError,
  dtlsBindingTag,
  KeyMismatchError,
  MalformedError,
  MAX_MESSAGE_LENGTH,
  MemoryRelay,
  newSessionKeyPair,
  OversizeError,
  parseHello,
  parseSdpFingerprint,
  SequenceError,
  SessionChannel,
  type SessionBinding,
  type SessionKeyPair,
  TruncatedError,
  UnknownVersionError,
  utf8,
  verifyDtlsBinding,
} from '../src/index.ts';
import { flip, keyPair } from './helpers.ts';

const GENESIS = new Uint8Array(32).fill(0x9e);
const BINDING: SessionBinding = { genesisHash: GENESIS, consultation: 7n };

/** The two parties' key pairs and their channels, from keys as the chain pins them. */
function pair(binding: SessionBinding = BINDING, patient: SessionKeyPair = keyPair(0x11), doc: SessionKeyPair = keyPair(0x22)) {
  const pinned = { patient: patient.publicKey, practitioner: doc.publicKey };
  return {
    patient,
    doc,
    pinned,
    p: new SessionChannel('patient', patient, binding, pinned),
    d: new SessionChannel('practitioner', doc, binding, pinned),
  };
}

/** Whether `needle` occurs in `haystack`. */
function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(haystack).includes(Buffer.from(needle));
}

describe('two clients over a relay', () => {
  test('exchange messages both ways; the relay sees only ciphertext', async () => {
    const { p, d } = pair();
    const relay = new MemoryRelay();
    const [cp, cd] = await Promise.all([connectSession(p, relay.a), connectSession(d, relay.b)]);
    assert.ok(p.verified && d.verified);
    const secrets = ['Guten Tag, how are you feeling?', 'short of breath since Monday', ''].map(utf8);
    cp.send(secrets[0]!);
    assert.deepEqual(await cd.receive(), secrets[0]);
    cd.send(secrets[1]!);
    cd.send(secrets[2]!);
    assert.deepEqual(await cp.receive(), secrets[1]);
    assert.deepEqual(await cp.receive(), secrets[2]);
    // Many in a row, in order.
    for (let i = 0; i < 50; i++) cp.send(utf8(`m${i}`));
    for (let i = 0; i < 50; i++) assert.deepEqual(await cd.receive(), utf8(`m${i}`));
    for (const frame of relay.seen) {
      for (const s of secrets.filter((s) => s.length > 0)) assert.ok(!contains(frame, s));
    }
    // Both ends show the same fingerprint and short string: what the people compare.
    assert.deepEqual(p.fingerprint, d.fingerprint);
    assert.equal(p.sas, d.sas);
    assert.match(p.sas, /^\d{6}$/);
    assert.equal(p.fingerprintHex, d.fingerprintHex);
    assert.match(p.fingerprintHex, /^([0-9A-F]{4} ){7}[0-9A-F]{4}$/);
  });

  test('the two directions use separate keys: equal plaintexts give different frames', () => {
    const { p, d } = pair();
    const a = p.seal(utf8('same'));
    const b = d.seal(utf8('same'));
    assert.notDeepEqual(a.subarray(11), b.subarray(11));
    // A frame of the own direction is a reflection, refused, and changes nothing.
    assert.throws(() => p.open(a), MalformedError);
    assert.deepEqual(d.open(a), utf8('same'));
  });

  test('a session is bound to its chain and consultation', () => {
    const { p } = pair();
    const other = pair({ genesisHash: GENESIS, consultation: 8n });
    const otherChain = pair({ genesisHash: new Uint8Array(32).fill(0x9f), consultation: 7n });
    assert.notDeepEqual(p.fingerprint, other.p.fingerprint);
    assert.notDeepEqual(p.fingerprint, otherChain.p.fingerprint);
    const frame = p.seal(utf8('hello'));
    assert.throws(() => other.d.open(frame), DecryptionError);
    assert.throws(() => otherChain.d.open(frame), DecryptionError);
    // A hello for another consultation is refused.
    assert.throws(() => other.d.acceptHello(p.hello()), MalformedError);
    // Same consultation id on another chain: the key confirmation fails.
    assert.throws(() => otherChain.d.acceptHello(p.hello()), DecryptionError);
    assert.equal(otherChain.d.verified, false);
  });
});

describe('a relay that swaps keys is detected', () => {
  test('a hello carrying the relay\'s key instead of the pinned one is refused', async () => {
    const { p, d } = pair();
    const mitm = keyPair(0x33);
    // The relay replaces the key in every hello with its own.
    const relay = new MemoryRelay((frame) => {
      if (frame[1] === 0x01) frame.set(mitm.publicKey, 11);
      return frame;
    });
    const results = await Promise.allSettled([connectSession(p, relay.a), connectSession(d, relay.b)]);
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      assert.ok(r.reason instanceof KeyMismatchError, String(r.reason));
    }
    assert.equal(p.verified || d.verified, false);
  });

  test('a relay that runs its own key exchange with each side gets nowhere', async () => {
    // The relay made its own key pairs and plays the practitioner to the patient; the patient
    // derives from the keys on chain, so the relay's hello does not match them.
    const { patient, pinned } = pair();
    const mitm = keyPair(0x44);
    const fakeDoc = new SessionChannel('practitioner', mitm, BINDING, { patient: patient.publicKey, practitioner: mitm.publicKey });
    const p = new SessionChannel('patient', patient, BINDING, pinned);
    assert.throws(() => p.acceptHello(fakeDoc.hello()), KeyMismatchError);
    // With the pinned key but the relay's own confirmation: it cannot prove the secret.
    const forged = fakeDoc.hello();
    forged.set(pinned.practitioner, 11);
    assert.throws(() => p.acceptHello(forged), DecryptionError);
    // Its messages do not open either.
    assert.throws(() => p.open(fakeDoc.seal(utf8('x'))), DecryptionError);
    assert.equal(p.verified, false);
  });

  test('a device whose key is not the one pinned on chain refuses to start', () => {
    const { patient, doc } = pair();
    const replaced = keyPair(0x55);
    // The chain pins another patient key (replaced since this device published its own).
    assert.throws(
      () => new SessionChannel('patient', patient, BINDING, { patient: replaced.publicKey, practitioner: doc.publicKey }),
      KeyMismatchError,
    );
    // The practitioner derives a channel from the new pinned key; the patient's old frames fail.
    const d = new SessionChannel('practitioner', doc, BINDING, { patient: replaced.publicKey, practitioner: doc.publicKey });
    const old = pair().p;
    assert.throws(() => d.acceptHello(old.hello()), KeyMismatchError);
    assert.throws(() => d.open(old.seal(utf8('x'))), DecryptionError);
  });

  test('weak or equal pinned keys are refused', () => {
    const { patient, doc } = pair();
    const zero = new Uint8Array(32);
    assert.throws(() => new SessionChannel('patient', patient, BINDING, { patient: patient.publicKey, practitioner: zero }), MalformedError);
    const high = doc.publicKey.slice();
    high[31] = (high[31] as number) | 0x80;
    assert.throws(() => new SessionChannel('patient', patient, BINDING, { patient: patient.publicKey, practitioner: high }), MalformedError);
    assert.throws(() => new SessionChannel('patient', patient, BINDING, { patient: patient.publicKey, practitioner: patient.publicKey }), MalformedError);
    assert.throws(() => new SessionChannel('patient', patient, { genesisHash: new Uint8Array(31), consultation: 7n }, { patient: patient.publicKey, practitioner: doc.publicKey }), MalformedError);
  });

  test('fresh key pairs pass the chain\'s check and differ', () => {
    const a = newSessionKeyPair();
    const b = newSessionKeyPair();
    assert.equal(a.publicKey.length, 32);
    assert.notDeepEqual(a.publicKey, b.publicKey);
    const s = new SessionChannel('patient', a, BINDING, { patient: a.publicKey, practitioner: b.publicKey });
    const t = new SessionChannel('practitioner', b, BINDING, { patient: a.publicKey, practitioner: b.publicKey });
    assert.deepEqual(t.open(s.seal(utf8('ok'))), utf8('ok'));
  });
});

describe('replay, reorder, drop and tampering are refused', () => {
  test('a replayed frame is refused and the next one still opens', () => {
    const { p, d } = pair();
    const f0 = p.seal(utf8('zero'));
    const f1 = p.seal(utf8('one'));
    assert.deepEqual(d.open(f0), utf8('zero'));
    assert.throws(() => d.open(f0), (e) => e instanceof SequenceError && e.expected === 1n && e.got === 0n);
    assert.deepEqual(d.open(f1), utf8('one'));
    assert.throws(() => d.open(f1), SequenceError);
    assert.throws(() => d.open(f0), SequenceError);
  });

  test('a reordered or skipped frame is refused', () => {
    const { p, d } = pair();
    const f0 = p.seal(utf8('zero'));
    const f1 = p.seal(utf8('one'));
    assert.throws(() => d.open(f1), (e) => e instanceof SequenceError && e.expected === 0n && e.got === 1n);
    assert.deepEqual(d.open(f0), utf8('zero'));
    assert.deepEqual(d.open(f1), utf8('one'));
    // A frame whose sequence number the relay rewrote to the expected one does not open.
    const f2 = p.seal(utf8('two'));
    const f3 = p.seal(utf8('three'));
    const renumbered = f3.slice();
    renumbered[3] = 2;
    assert.throws(() => d.open(renumbered), DecryptionError);
    assert.deepEqual(d.open(f2), utf8('two'));
  });

  test('every flipped bit of a frame is refused, and the original still opens after', () => {
    const { p, d } = pair();
    const frame = p.seal(utf8('a message'));
    for (let i = 0; i < frame.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        assert.throws(() => d.open(flip(frame, i, bit)), (e) =>
          e instanceof DecryptionError || e instanceof SequenceError || e instanceof MalformedError || e instanceof UnknownVersionError);
      }
    }
    assert.deepEqual(d.open(frame), utf8('a message'));
  });

  test('every flipped bit of a hello is refused', () => {
    const { p, d } = pair();
    const hello = p.hello();
    for (let i = 0; i < hello.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        assert.throws(() => d.acceptHello(flip(hello, i, bit)));
        assert.equal(d.verified, false);
      }
    }
    d.acceptHello(hello);
    assert.equal(d.verified, true);
  });

  test('over the relay: a replay, a reorder, a drop and a change each fail the connection', async () => {
    const attacks: Record<string, (frames: Uint8Array[]) => Uint8Array[]> = {
      replay: (f) => [f[0]!, f[0]!, f[1]!],
      reorder: (f) => [f[1]!, f[0]!],
      drop: (f) => [f[1]!],
      tamper: (f) => [flip(f[0]!, 20), f[1]!],
    };
    for (const [name, attack] of Object.entries(attacks)) {
      const { p, d } = pair();
      const held: Uint8Array[] = [];
      // Hellos pass; the patient's two messages are held and released as the attack says.
      const relay = new MemoryRelay((frame, from) => {
        if (frame[1] === 0x01 || from === 'b') return frame;
        held.push(frame);
        return held.length === 2 ? attack(held) : null;
      });
      const [cp, cd] = await Promise.all([connectSession(p, relay.a), connectSession(d, relay.b)]);
      cp.send(utf8('first'));
      cp.send(utf8('second'));
      if (name === 'replay') assert.deepEqual(await cd.receive(), utf8('first'));
      await assert.rejects(cd.receive(), (e) => e instanceof SequenceError || e instanceof DecryptionError, name);
      // The connection stays failed.
      await assert.rejects(cd.receive(), name);
    }
  });

  test('a message before the hello fails the connection', async () => {
    const { p, d } = pair();
    const relay = new MemoryRelay();
    // The relay's own end sends a message frame first.
    const connecting = connectSession(d, relay.b);
    relay.a.onFrame(() => {});
    relay.a.send(p.seal(utf8('early')));
    await assert.rejects(connecting, MalformedError);
  });
});

describe('frames: bad input', () => {
  test('empty, truncated, unknown version, oversize', () => {
    const { p, d } = pair();
    assert.throws(() => d.open(new Uint8Array()), TruncatedError);
    const frame = p.seal(utf8('x'));
    assert.throws(() => d.open(frame.subarray(0, 26)), TruncatedError);
    const v2 = frame.slice();
    v2[0] = 0x02;
    assert.throws(() => d.open(v2), UnknownVersionError);
    assert.throws(() => p.seal(new Uint8Array(MAX_MESSAGE_LENGTH + 1)), OversizeError);
    const big = p.seal(new Uint8Array(MAX_MESSAGE_LENGTH));
    assert.equal(big.length, 11 + MAX_MESSAGE_LENGTH + 16);
    assert.throws(() => d.open(new Uint8Array([...big, 0])), OversizeError);
    assert.throws(() => parseHello(p.hello().subarray(0, 74)), TruncatedError);
    assert.throws(() => parseHello(new Uint8Array([...p.hello(), 0])), OversizeError);
    const badRole = p.hello();
    badRole[2] = 2;
    assert.throws(() => parseHello(badRole), MalformedError);
    // A hello is not a message and a message not a hello.
    assert.throws(() => d.open(p.hello()), MalformedError);
    assert.throws(() => d.acceptHello(frame), MalformedError);
    // The own hello reflected back.
    assert.throws(() => p.acceptHello(p.hello()), MalformedError);
  });
});

describe('pinning a WebRTC/DTLS session', () => {
  const cert = (fill: number) => new Uint8Array(32).fill(fill);

  test('the peer\'s certificate verifies against its tag, no other does', () => {
    const { p, d } = pair();
    const patientCert = cert(0xa1);
    const tag = dtlsBindingTag(p, 'patient', patientCert);
    assert.ok(verifyDtlsBinding(d, patientCert, tag));
    // A relay that terminates DTLS with its own certificate.
    assert.ok(!verifyDtlsBinding(d, cert(0xa2), tag));
    // The tag cannot be reflected as the other role's, nor reused in another session.
    assert.ok(!verifyDtlsBinding(p, patientCert, tag));
    assert.ok(!verifyDtlsBinding(pair({ genesisHash: GENESIS, consultation: 8n }).d, patientCert, tag));
    for (let i = 0; i < tag.length; i++) assert.ok(!verifyDtlsBinding(d, patientCert, flip(tag, i)));
  });

  test('SDP fingerprints parse; other hashes and lengths are refused', () => {
    const hex = Array.from({ length: 32 }, (_, i) => i.toString(16).padStart(2, '0').toUpperCase()).join(':');
    assert.deepEqual(parseSdpFingerprint(`a=fingerprint:sha-256 ${hex}`), Uint8Array.from({ length: 32 }, (_, i) => i));
    assert.deepEqual(parseSdpFingerprint(`sha-256 ${hex}`), Uint8Array.from({ length: 32 }, (_, i) => i));
    assert.throws(() => parseSdpFingerprint(`a=fingerprint:sha-1 ${hex}`), MalformedError);
    assert.throws(() => parseSdpFingerprint(`a=fingerprint:sha-256 ${hex.slice(3)}`), MalformedError);
    assert.throws(() => dtlsBindingTag(pair().p, 'patient', new Uint8Array(20)), MalformedError);
  });
});

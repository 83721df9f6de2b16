// The emergency key service (src/keyservice/service.ts) against a chain the test sets: key
// registration, the start-up scan, new blocks in order (and skipped ones caught up), idempotence
// (a block seen twice, the scan and the event of one access, a restart), a patient it is not
// custodian of, an expired access or appointment, and one record failing without stopping the
// others (retried, then given up).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DispatchError, type Release } from '@telemed/sdk';
import type { BlockActivity, EmergencyOpened, Head, KeyServiceChain } from '../src/keyservice/chain.ts';
import { KeyMismatchError, KeyService } from '../src/keyservice/service.ts';
import { createLogger } from '../src/log.ts';

const KEY = new Uint8Array(32).fill(0xab);

/** A chain whose state the test sets; releases are recorded in order. */
class FakeKeyChain implements KeyServiceChain {
  readonly account = '5Custodian';
  key: Uint8Array | null = null;
  registrations = 0;
  clock = 10_000;
  /** patient → appointment end (null: no end). */
  readonly custodianFor = new Map<string, number | null>();
  readonly held = new Map<string, bigint[]>();
  /** What `OpenEmergency` shows, by patient. */
  readonly open = new Map<string, EmergencyOpened[]>();
  /** `EmergencyAccessOpened` events and keys sealed to the service, by block hash. */
  readonly events = new Map<string, BlockActivity>();
  readonly headers = new Map<string, Head>();
  /** `version/practitioner` envelopes on chain. */
  readonly envelopes = new Set<string>();
  /** Every release sent, `version/practitioner`, in order. */
  readonly sent: string[] = [];
  /** version → how many more releases of it fail. */
  readonly failing = new Map<bigint, number>();
  onHead: ((head: Head) => void) | undefined;

  async registeredKey() {
    return this.key;
  }
  async register(key: Uint8Array) {
    this.registrations++;
    this.key = key;
  }
  async now() {
    return this.clock;
  }
  async patientsHeld() {
    return [...this.held.keys()];
  }
  async isCustodianOf(patient: string, now: number) {
    if (!this.custodianFor.has(patient)) return false;
    const until = this.custodianFor.get(patient)!;
    return until === null || now < until;
  }
  async openEmergencies(patient: string, now: number) {
    return (this.open.get(patient) ?? []).filter((e) => now < e.expiresAt);
  }
  async heldVersions(patient: string) {
    return this.held.get(patient) ?? [];
  }
  async release(version: bigint, practitioner: string): Promise<Release> {
    const left = this.failing.get(version) ?? 0;
    if (left > 0) {
      this.failing.set(version, left - 1);
      throw new DispatchError('records', 'TooManyEnvelopes', 'records.addEnvelope');
    }
    const key = `${version}/${practitioner}`;
    if (this.envelopes.has(key)) return 'already';
    this.envelopes.add(key);
    this.sent.push(key);
    return 'sealed';
  }
  async activityIn(hash: string) {
    return this.events.get(hash) ?? { opened: [], sealedToService: [] };
  }
  async header(hash: string) {
    const head = this.headers.get(hash);
    if (!head) throw new Error(`unknown block ${hash}`);
    return head;
  }
  async followHeads(onHead: (head: Head) => void) {
    this.onHead = onHead;
    return () => {
      this.onHead = undefined;
    };
  }

  /** Block `number` (hash `#n`), with these events; its header is known. */
  block(number: number, ...opened: EmergencyOpened[]): Head {
    const head = { number, hash: `#${number}`, parentHash: `#${number - 1}` };
    this.headers.set(head.hash, head);
    this.events.set(head.hash, { opened, sealedToService: [] });
    return head;
  }

  /** Block `number`, in which `patient` sealed `version` to the service. */
  sealBlock(number: number, patient: string, version: bigint): Head {
    const head = this.block(number);
    this.events.get(head.hash)!.sealedToService.push(patient);
    this.held.set(patient, [...(this.held.get(patient) ?? []), version]);
    return head;
  }
}

function emergency(id: number, patient: string, practitioner: string, expiresAt = 100_000): EmergencyOpened {
  return { id: BigInt(id), patient, practitioner, expiresAt };
}

function setUp(maxAttempts = 3) {
  const chain = new FakeKeyChain();
  const lines: string[] = [];
  const service = new KeyService(chain, KEY, createLogger('debug', (l) => lines.push(l)), { maxAttempts });
  const events = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { chain, service, lines, events };
}

describe('emergency key service (fake chain)', () => {
  test('registers its key when the account has none, not again, and refuses another registered key', async () => {
    const { chain, service } = setUp();
    await service.start();
    assert.equal(chain.registrations, 1);
    assert.deepEqual(chain.key, KEY);
    await service.stop();
    const again = new KeyService(chain, KEY, createLogger('error', () => {}));
    await again.start();
    assert.equal(chain.registrations, 1);
    await again.stop();
    chain.key = new Uint8Array(32).fill(1);
    const other = new KeyService(chain, KEY, createLogger('error', () => {}));
    await assert.rejects(other.start(), KeyMismatchError);
    assert.equal(chain.onHead, undefined, 'it follows no blocks with a key that is not its own');
  });

  test('the start-up scan releases to open accesses of its patients only', async () => {
    const { chain, service } = setUp();
    chain.custodianFor.set('P1', null);
    chain.held.set('P1', [1n, 2n]);
    chain.held.set('P2', [5n]); // holds a key of P2 but is not its custodian
    chain.open.set('P1', [emergency(7, 'P1', 'Dr')]);
    chain.open.set('P2', [emergency(8, 'P2', 'Dr')]);
    await service.start();
    assert.deepEqual(chain.sent, ['1/Dr', '2/Dr']);
    await service.stop();
  });

  test('new blocks: every held key of the patient to the practitioner, accesses in block order', async () => {
    const { chain, service, events } = setUp();
    chain.custodianFor.set('P1', null);
    chain.custodianFor.set('P2', null);
    chain.held.set('P1', [1n, 2n, 3n]);
    chain.held.set('P2', [9n]);
    await service.start();
    chain.onHead!(chain.block(1));
    chain.onHead!(chain.block(2, emergency(4, 'P2', 'DrA'), emergency(5, 'P1', 'DrB')));
    chain.onHead!(chain.block(3, emergency(6, 'P1', 'DrA')));
    await service.idle();
    assert.deepEqual(chain.sent, ['9/DrA', '1/DrB', '2/DrB', '3/DrB', '1/DrA', '2/DrA', '3/DrA']);
    const released = events().filter((e) => e.event === 'keyservice.released');
    assert.equal(released.length, 7);
    assert.deepEqual(released[0], { ...released[0], emergency: '4', record: '9', outcome: 'sealed' });
    await service.stop();
  });

  test('blocks skipped between two best blocks are caught up, oldest first', async () => {
    const { chain, service } = setUp();
    chain.custodianFor.set('P1', null);
    chain.held.set('P1', [1n]);
    await service.start();
    chain.onHead!(chain.block(10));
    chain.block(11, emergency(1, 'P1', 'DrA'));
    chain.block(12, emergency(2, 'P1', 'DrB'));
    chain.onHead!(chain.block(13, emergency(3, 'P1', 'DrC')));
    await service.idle();
    assert.deepEqual(chain.sent, ['1/DrA', '1/DrB', '1/DrC']);
    await service.stop();
  });

  test('idempotent: a block seen twice, the scan and the event of one access, a restart seal nothing twice', async () => {
    const { chain, service } = setUp();
    chain.custodianFor.set('P1', null);
    chain.held.set('P1', [1n, 2n]);
    const access = emergency(3, 'P1', 'Dr');
    chain.open.set('P1', [access]);
    await service.start(); // the scan seals both
    const head = chain.block(5, access); // and the block that opened it arrives after
    chain.onHead!(head);
    chain.onHead!(head);
    await service.idle();
    assert.deepEqual(chain.sent, ['1/Dr', '2/Dr']);
    await service.stop();
    // A restart (nothing remembered): the chain has the envelopes, nothing is sent again.
    const { service: restarted, events } = setUpWith(chain);
    await restarted.start();
    chain.onHead!(head);
    await restarted.idle();
    assert.deepEqual(chain.sent, ['1/Dr', '2/Dr']);
    assert.ok(events().some((e) => e.event === 'keyservice.released' && e.outcome === 'already'));
    await restarted.stop();
  });

  test('a key sealed to it while an access is open goes out at once; none while none is open', async () => {
    const { chain, service } = setUp();
    chain.custodianFor.set('P1', null);
    chain.custodianFor.set('P2', null);
    chain.held.set('P1', [1n]);
    await service.start();
    const access = emergency(4, 'P1', 'Dr');
    chain.onHead!(chain.block(1, access));
    await service.idle();
    chain.open.set('P1', [access]);
    chain.onHead!(chain.sealBlock(2, 'P1', 2n));
    chain.onHead!(chain.sealBlock(3, 'P2', 7n)); // P2 has no open access
    await service.idle();
    assert.deepEqual(chain.sent, ['1/Dr', '2/Dr']);
    await service.stop();
  });

  test('a patient it is not custodian of (or no longer: the appointment ended) gets nothing', async () => {
    const { chain, service, events } = setUp();
    chain.held.set('P1', [1n]);
    chain.held.set('P2', [2n]);
    chain.custodianFor.set('P2', chain.clock); // ends now (exclusive)
    await service.start();
    chain.onHead!(chain.block(1, emergency(1, 'P1', 'Dr'), emergency(2, 'P2', 'Dr')));
    await service.idle();
    assert.deepEqual(chain.sent, []);
    assert.deepEqual(events().filter((e) => e.event === 'keyservice.skipped').map((e) => [e.emergency, e.reason]),
      [['1', 'not_custodian'], ['2', 'not_custodian']]);
    await service.stop();
  });

  test('an access expired by the time the block is processed gets nothing; one a millisecond from expiry does', async () => {
    const { chain, service, events } = setUp();
    chain.custodianFor.set('P1', null);
    chain.held.set('P1', [1n]);
    await service.start();
    chain.onHead!(chain.block(1, emergency(1, 'P1', 'DrA', chain.clock), emergency(2, 'P1', 'DrB', chain.clock + 1)));
    await service.idle();
    assert.deepEqual(chain.sent, ['1/DrB']);
    assert.deepEqual(events().filter((e) => e.event === 'keyservice.skipped').map((e) => [e.emergency, e.reason]), [['1', 'expired']]);
    await service.stop();
  });

  test('one record failing does not stop the others; it is retried at the next block, then given up', async () => {
    const { chain, service, events } = setUp(3);
    chain.custodianFor.set('P1', null);
    chain.held.set('P1', [1n, 2n, 3n]);
    chain.failing.set(2n, 1); // fails once
    chain.failing.set(3n, 99); // always fails
    await service.start();
    chain.onHead!(chain.block(1, emergency(1, 'P1', 'Dr')));
    await service.idle();
    assert.deepEqual(chain.sent, ['1/Dr']);
    chain.onHead!(chain.block(2));
    await service.idle();
    assert.deepEqual(chain.sent, ['1/Dr', '2/Dr']);
    chain.onHead!(chain.block(3));
    chain.onHead!(chain.block(4));
    await service.idle();
    assert.equal(chain.failing.get(3n), 96, 'three attempts in all, then none');
    const failed = events().filter((e) => e.event === 'keyservice.release_failed' || e.event === 'keyservice.release_gave_up');
    assert.deepEqual(failed.map((e) => [e.event, e.record, e.attempt, e.error]), [
      ['keyservice.release_failed', '2', 1, 'records.TooManyEnvelopes'],
      ['keyservice.release_failed', '3', 1, 'records.TooManyEnvelopes'],
      ['keyservice.release_failed', '3', 2, 'records.TooManyEnvelopes'],
      ['keyservice.release_gave_up', '3', 3, 'records.TooManyEnvelopes'],
    ]);
    await service.stop();
  });

  test('log lines carry ids only: no key bytes', async () => {
    const { chain, service, lines } = setUp();
    chain.custodianFor.set('P1', null);
    chain.held.set('P1', [1n]);
    await service.start();
    chain.onHead!(chain.block(1, emergency(1, 'P1', 'Dr')));
    await service.idle();
    await service.stop();
    const hex = Buffer.from(KEY).toString('hex');
    const b64 = Buffer.from(KEY).toString('base64');
    assert.ok(lines.length >= 4);
    for (const line of lines) assert.ok(!line.includes(hex) && !line.includes(b64) && !line.includes('171,171'), line);
  });
});

function setUpWith(chain: FakeKeyChain) {
  const lines: string[] = [];
  const service = new KeyService(chain, KEY, createLogger('debug', (l) => lines.push(l)));
  return { service, events: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

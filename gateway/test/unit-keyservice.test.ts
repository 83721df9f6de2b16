// The emergency key service (src/keyservice/service.ts) against a chain the test sets: key
// registration, the start-up scan, new blocks in order (and skipped ones caught up), idempotence
// (a block seen twice, the scan and the event of one access, a restart), a patient it is not
// custodian of, an expired access or appointment, and one record failing without stopping the
// others (retried, then given up).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DispatchError, generateRecoveryPhrase, TransactionError, type ReleaseFacts } from '@telemed/sdk';
import type { BlockActivity, EmergencyOpened, Head, KeyServiceChain } from '../src/keyservice/chain.ts';
import { KeyMismatchError, KeyService, retryable, type KeyServiceOptions } from '../src/keyservice/service.ts';
import { ConfigError, loadKeyServiceConfig } from '../src/keyservice/config.ts';
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
  /** version → how many more releases of it fail (with `failWith`: by default not included). */
  readonly failing = new Map<bigint, number>();
  failWith: () => Error = () => new TransactionError('records.addEnvelope', 'Invalid');
  /** Break-glass accesses closed (by id). */
  readonly closed = new Set<bigint>();
  /** Changes to the release facts the chain answers (a test spoils one). */
  spoil: Partial<ReleaseFacts> = {};
  /** The service's free balance; deposit 1 000, fee 100. */
  free = 1_000_000n;
  /** Every `releaseFacts` read, `version/practitioner`. */
  readonly checked: string[] = [];
  /** Every envelope removed, `version/practitioner`. */
  readonly removed: string[] = [];
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
  /** Every access the chain knows of: in `OpenEmergency` or opened in a block. */
  private accesses(): EmergencyOpened[] {
    return [...this.open.values()].flat().concat([...this.events.values()].flatMap((a) => a.opened));
  }
  async releaseFacts(version: bigint, practitioner: string): Promise<ReleaseFacts> {
    this.checked.push(`${version}/${practitioner}`);
    const patient = [...this.held].find(([, versions]) => versions.includes(version))?.[0] ?? 'nobody';
    const open = this.accesses().filter((e) =>
      e.patient === patient && e.practitioner === practitioner && this.clock < e.expiresAt && !this.closed.has(e.id));
    const holds = [...this.envelopes].filter((k) => k.endsWith(`/${practitioner}`)).map((k) => BigInt(k.split('/')[0]!));
    return {
      version: {
        id: version, patient, author: patient, tag: new Uint8Array(32), commitment: new Uint8Array(32), ciphertextHash: new Uint8Array(32),
        sizeClass: 12, locator: new Uint8Array(1), createdAt: 0, record: version, version: 1, supersedes: null, kind: 'Original',
        supersededBy: null, envelopes: 2,
      },
      custodianHolds: true,
      access: open.length > 0 ? { ok: { emergency: Number(open.at(-1)!.id) } } : { err: 'noConsent' },
      practitionerHolds: holds,
      maxEnvelopesPerRecord: 16,
      maxEnvelopesPerGrantee: 64,
      free: this.free,
      deposit: 1_000n,
      fee: 100n,
      existentialDeposit: 0n,
      ...this.spoil,
    };
  }
  async release(version: bigint, practitioner: string): Promise<void> {
    const left = this.failing.get(version) ?? 0;
    if (left > 0) {
      this.failing.set(version, left - 1);
      throw this.failWith();
    }
    const key = `${version}/${practitioner}`;
    assert.ok(!this.envelopes.has(key), 'the service sends no release the practitioner has');
    this.envelopes.add(key);
    this.sent.push(key);
  }
  async emergencyIsOpen(id: bigint, now: number) {
    return this.accesses().some((e) => e.id === id && now < e.expiresAt && !this.closed.has(e.id));
  }
  async holds(_patient: string, version: bigint, practitioner: string) {
    return this.envelopes.has(`${version}/${practitioner}`);
  }
  async removeEnvelope(version: bigint, practitioner: string) {
    const key = `${version}/${practitioner}`;
    this.envelopes.delete(key);
    this.removed.push(key);
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

function setUp(maxAttempts = 3, options: KeyServiceOptions = {}) {
  const chain = new FakeKeyChain();
  const lines: string[] = [];
  const service = new KeyService(chain, KEY, createLogger('debug', (l) => lines.push(l)), { maxAttempts, ...options });
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

  test('one record failing (not included) does not stop the others; it is retried at the next block, then given up', async () => {
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
      ['keyservice.release_failed', '2', 1, 'TransactionError'],
      ['keyservice.release_failed', '3', 1, 'TransactionError'],
      ['keyservice.release_failed', '3', 2, 'TransactionError'],
      ['keyservice.release_gave_up', '3', 3, 'TransactionError'],
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

describe('emergency key service: checks before sending (review 7)', () => {
  /** P1 appointed the service, which holds versions 1 and 2 of P1's; emergency 7 (P1 → Dr) opens in block 1. */
  async function opened(options: KeyServiceOptions = {}) {
    const set = setUp(3, options);
    set.chain.custodianFor.set('P1', null);
    set.chain.held.set('P1', [1n, 2n]);
    await set.service.start();
    const access = emergency(7, 'P1', 'Dr');
    return { ...set, access, refused: () => set.events().filter((e) => e.event === 'keyservice.release_refused').map((e) => [e.record, e.reason]) };
  }

  const refusals: [string, (chain: FakeKeyChain) => void][] = [
    ['NotEmergency', (chain) => chain.closed.add(7n)],
    ['OtherEmergency', (chain) => { chain.spoil = { access: { ok: { emergency: 8 } } }; }],
    ['NotCurrent', (chain) => { chain.spoil = { version: { ...baseVersion(), supersededBy: 9n } }; }],
    ['NotHeld', (chain) => { chain.spoil = { custodianHolds: false }; }],
    ['TooManyEnvelopes', (chain) => { chain.spoil = { version: { ...baseVersion(), envelopes: 16 } }; }],
    ['TooManyGranteeEnvelopes', (chain) => { chain.spoil = { maxEnvelopesPerGrantee: 0 }; }],
    ['InsufficientBalance', (chain) => { chain.free = 1_099n; }],
  ];
  for (const [reason, spoil] of refusals) {
    test(`${reason}: nothing is sealed or sent, and it is not tried again`, async () => {
      const { chain, service, access, refused } = await opened();
      spoil(chain);
      chain.onHead!(chain.block(1, access));
      await service.idle();
      assert.deepEqual(chain.sent, []);
      assert.deepEqual(refused(), [['1', reason], ['2', reason]]);
      const checks = chain.checked.length;
      chain.onHead!(chain.block(2));
      await service.idle();
      assert.equal(chain.checked.length, checks, 'not checked again for this access');
      await service.stop();
    });
  }

  test('at the bounds: one envelope short of each limit and a balance of exactly deposit + fee are released', async () => {
    const { chain, service, access } = await opened();
    chain.free = 1_100n;
    chain.spoil = { version: { ...baseVersion(), envelopes: 15 }, maxEnvelopesPerGrantee: 1 };
    chain.onHead!(chain.block(1, access));
    await service.idle();
    assert.deepEqual(chain.sent, ['1/Dr'], 'the second is TooManyGranteeEnvelopes once the first is there');
    await service.stop();
  });

  test('one batch: the releases sent together are counted against the balance before any lands', async () => {
    const { chain, service, access, refused } = await opened();
    chain.free = 2_199n; // one release (1 100) but not two
    chain.onHead!(chain.block(1, access));
    await service.idle();
    assert.deepEqual(chain.sent, ['1/Dr']);
    assert.deepEqual(refused(), [['2', 'InsufficientBalance']]);
    await service.stop();
  });

  test('retry policy: a release the chain refused in a block is never sent again; one not included is', async () => {
    assert.equal(retryable(new DispatchError('records', 'NotPermitted', 'records.addEnvelope')), false);
    assert.equal(retryable(new DispatchError('records', 'TooManyGranteeEnvelopes', 'records.addEnvelope')), false);
    assert.equal(retryable(new DispatchError('records', 'InsufficientBalance', 'records.addEnvelope')), false);
    assert.equal(retryable(new TransactionError('records.addEnvelope', 'Dropped')), true);
    assert.equal(retryable(new Error('WebSocket is not connected')), true);
    for (const code of ['NotPermitted', 'TooManyEnvelopes', 'TooManyGranteeEnvelopes', 'InsufficientBalance']) {
      const { chain, service, access, refused } = await opened();
      chain.failWith = () => new DispatchError('records', code, 'records.addEnvelope');
      chain.failing.set(1n, 99);
      chain.onHead!(chain.block(1, access));
      chain.onHead!(chain.block(2));
      chain.onHead!(chain.block(3));
      await service.idle();
      assert.equal(chain.failing.get(1n), 98, `${code}: sent once, never again`);
      assert.deepEqual(chain.sent, ['2/Dr']);
      assert.deepEqual(refused(), [['1', `records.${code}`]]);
      await service.stop();
    }
  });

  test('allow-list: only the listed patients are served', async () => {
    const { chain, service, access, events } = await opened({ patients: new Set(['P2']) });
    chain.custodianFor.set('P2', null);
    chain.held.set('P2', [5n]);
    chain.onHead!(chain.block(1, access, emergency(8, 'P2', 'Dr')));
    await service.idle();
    assert.deepEqual(chain.sent, ['5/Dr']);
    assert.ok(events().some((e) => e.event === 'keyservice.skipped' && e.emergency === '7' && e.reason === 'not_allowed'));
    await service.stop();
  });

  test('budgets: per access, and per patient within a day of chain time', async () => {
    const { chain, service, access, refused } = await opened({ maxPerEmergency: 1, maxPerPatientPerDay: 2 });
    chain.onHead!(chain.block(1, access));
    await service.idle();
    assert.deepEqual(chain.sent, ['1/Dr']);
    assert.deepEqual(refused(), [['2', 'emergency_budget']]);
    chain.onHead!(chain.block(2, emergency(8, 'P1', 'DrB'), emergency(9, 'P1', 'DrC')));
    await service.idle();
    assert.deepEqual(chain.sent, ['1/Dr', '1/DrB'], 'the patient budget (2 a day) is spent');
    assert.deepEqual(refused().slice(-2), [['1', 'patient_budget'], ['2', 'patient_budget']]);
    chain.clock += 24 * 60 * 60 * 1000; // a day later the budget is back
    chain.onHead!(chain.block(3, emergency(10, 'P1', 'DrD', chain.clock + 1_000)));
    await service.idle();
    assert.deepEqual(chain.sent, ['1/Dr', '1/DrB', '1/DrD']);
    await service.stop();
  });

  test('balance floor: below it nothing is sent and the reason is logged; at it the release goes', async () => {
    const { chain, service, access, events } = await opened({ balanceFloor: 500n });
    chain.free = 1_599n;
    chain.onHead!(chain.block(1, access));
    await service.idle();
    assert.deepEqual(chain.sent, []);
    const floor = events().find((e) => e.event === 'keyservice.balance_floor')!;
    assert.deepEqual([floor.free, floor.needed, floor.floor], ['1599', '1100', '500']);
    chain.free = 2_700n; // two releases (2 × 1 100) and the floor
    chain.onHead!(chain.block(2, emergency(8, 'P1', 'DrB')));
    await service.idle();
    assert.deepEqual(chain.sent, ['1/DrB', '2/DrB']);
    chain.free = 2_699n; // one short: the second of the batch is not sent
    chain.onHead!(chain.block(3, emergency(9, 'P1', 'DrC')));
    await service.idle();
    assert.deepEqual(chain.sent, ['1/DrB', '2/DrB', '1/DrC']);
    await service.stop();
  });

  test('after an access closes or expires its released envelopes are removed (deposits back) and it is forgotten', async () => {
    const { chain, service } = await opened({ rescanBlocks: 2 });
    chain.envelopes.add('2/DrB'); // not the service's release: left alone
    chain.onHead!(chain.block(1, emergency(7, 'P1', 'Dr'), emergency(8, 'P1', 'DrB', chain.clock + 10)));
    await service.idle();
    assert.deepEqual(chain.sent, ['1/Dr', '2/Dr', '1/DrB']);
    assert.equal(service.remembered, 2);
    chain.closed.add(7n);
    chain.clock += 10; // 8 expires
    chain.onHead!(chain.block(2)); // the rescan's block
    await service.idle();
    assert.deepEqual(chain.removed, ['1/Dr', '2/Dr', '1/DrB']);
    assert.ok(chain.envelopes.has('2/DrB'));
    assert.equal(service.remembered, 0);
    await service.stop();
  });

  test('an access still open is not cleaned up; a removal refused on chain is not repeated', async () => {
    const { chain, service, access, events } = await opened({ rescanBlocks: 1 });
    chain.onHead!(chain.block(1, access));
    await service.idle();
    assert.deepEqual(chain.removed, []);
    chain.closed.add(7n);
    chain.removeEnvelope = async () => {
      throw new DispatchError('records', 'StillHasAccess', 'records.removeEnvelope');
    };
    chain.onHead!(chain.block(2));
    chain.onHead!(chain.block(3));
    await service.idle();
    assert.equal(events().filter((e) => e.event === 'keyservice.remove_refused').length, 2, 'once per version');
    assert.equal(service.remembered, 0);
    await service.stop();
  });

  test('a periodic rescan finds an access whose block was never seen', async () => {
    const { chain, service } = await opened({ rescanBlocks: 3 });
    chain.onHead!(chain.block(1));
    chain.open.set('P1', [emergency(7, 'P1', 'Dr')]); // its event is lost (not in any block processed)
    chain.onHead!(chain.block(2));
    await service.idle();
    assert.deepEqual(chain.sent, []);
    chain.onHead!(chain.block(3));
    await service.idle();
    assert.deepEqual(chain.sent, ['1/Dr', '2/Dr']);
    await service.stop();
  });

  test('more blocks skipped than the catch-up bound: a rescan at once', async () => {
    const set = setUp(3, { maxCatchUp: 2, rescanBlocks: 1_000 });
    const { chain, service, events } = set;
    chain.custodianFor.set('P1', null);
    chain.held.set('P1', [1n]);
    await service.start();
    chain.onHead!(chain.block(1));
    await service.idle();
    for (let n = 2; n < 10; n++) chain.block(n);
    chain.open.set('P1', [emergency(7, 'P1', 'Dr')]);
    chain.block(2, emergency(7, 'P1', 'Dr')); // opened in a block past the bound
    chain.onHead!(chain.block(10));
    await service.idle();
    assert.deepEqual(chain.sent, ['1/Dr']);
    assert.ok(events().some((e) => e.event === 'keyservice.catch_up_limit'));
    await service.stop();
  });

  test('a reorg at the same height: the new branch\'s blocks are processed (hashes, not heights)', async () => {
    const { chain, service } = await opened();
    chain.onHead!(chain.block(3));
    chain.onHead!(chain.block(4));
    chain.onHead!(chain.block(5));
    await service.idle();
    // Another branch from #3: 4' (opens the access) and 5'.
    const b4 = { number: 4, hash: "#4'", parentHash: '#3' };
    const b5 = { number: 5, hash: "#5'", parentHash: "#4'" };
    chain.headers.set(b4.hash, b4);
    chain.events.set(b4.hash, { opened: [emergency(7, 'P1', 'Dr')], sealedToService: [] });
    chain.headers.set(b5.hash, b5);
    chain.onHead!(b5);
    await service.idle();
    assert.deepEqual(chain.sent, ['1/Dr', '2/Dr']);
    await service.stop();
  });
});

function baseVersion() {
  return {
    id: 1n, patient: 'P1', author: 'P1', tag: new Uint8Array(32), commitment: new Uint8Array(32), ciphertextHash: new Uint8Array(32),
    sizeClass: 12, locator: new Uint8Array(1), createdAt: 0, record: 1n, version: 1, supersedes: null, kind: 'Original' as const,
    supersededBy: null, envelopes: 2,
  };
}

describe('key service configuration', () => {
  const base = { KEYSERVICE_SIGNING_SEED: '//Dave', KEYSERVICE_RECOVERY_PHRASE: generateRecoveryPhrase() };
  test('only a loopback ws:// or wss:// node', () => {
    for (const url of ['ws://127.0.0.1:9944', 'wss://localhost:9944', 'ws://[::1]:9944', 'ws://127.0.0.2:1']) {
      assert.equal(loadKeyServiceConfig({ ...base, KEYSERVICE_NODE_WS: url }).nodeWs, url);
    }
    for (const url of ['ws://10.0.0.1:9944', 'wss://rpc.example.org', 'http://127.0.0.1:9944', 'ws://127.0.0.1.example.org', 'ws://localhost.evil:1', 'nonsense']) {
      assert.throws(() => loadKeyServiceConfig({ ...base, KEYSERVICE_NODE_WS: url }), ConfigError, url);
    }
    assert.equal(loadKeyServiceConfig(base).nodeWs, 'ws://127.0.0.1:9944');
  });

  test('allow-list, budgets, floor and rescan period', () => {
    const config = loadKeyServiceConfig({
      ...base, KEYSERVICE_PATIENTS: ' 5P1, 5P2 ', KEYSERVICE_MAX_PER_EMERGENCY: '4', KEYSERVICE_MAX_PER_PATIENT_DAY: '9',
      KEYSERVICE_BALANCE_FLOOR: '1000000000000', KEYSERVICE_RESCAN_BLOCKS: '5',
    });
    assert.deepEqual([...config.patients!], ['5P1', '5P2']);
    assert.deepEqual([config.maxPerEmergency, config.maxPerPatientPerDay, config.balanceFloor, config.rescanBlocks], [4, 9, 1_000_000_000_000n, 5]);
    const defaults = loadKeyServiceConfig(base);
    assert.deepEqual([defaults.patients, defaults.maxPerEmergency, defaults.maxPerPatientPerDay, defaults.balanceFloor, defaults.rescanBlocks],
      [undefined, 32, 64, 0n, 10]);
    for (const [name, value] of [['KEYSERVICE_MAX_PER_EMERGENCY', '0'], ['KEYSERVICE_MAX_PER_PATIENT_DAY', 'x'], ['KEYSERVICE_BALANCE_FLOOR', '-1'],
      ['KEYSERVICE_RESCAN_BLOCKS', '0'], ['KEYSERVICE_PATIENTS', ' , ']] as const) {
      assert.throws(() => loadKeyServiceConfig({ ...base, [name]: value }), (e: unknown) => e instanceof ConfigError && e.message.includes(name), name);
    }
  });
});

function setUpWith(chain: FakeKeyChain) {
  const lines: string[] = [];
  const service = new KeyService(chain, KEY, createLogger('debug', (l) => lines.push(l)));
  return { service, events: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

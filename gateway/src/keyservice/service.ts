/**
 * The emergency key service (issue 14): patients appoint its account as their emergency
 * custodian (`DelegateScope::EmergencyCustodian`) and seal to it the keys of the records they
 * choose. When the chain shows a break-glass access opened to such a patient, the service seals
 * every key it holds for that patient to the practitioner (`records.addEnvelope(version,
 * practitioner, sealed, EmergencyTreatment)`, through the SDK), within a block or two.
 *
 * - **Start**: registers its key-agreement key if its account has none (a different key already
 *   registered is an error: the envelopes sealed to it would not open); then scans the open
 *   break-glass accesses of every patient it holds keys of (`GranteePatients` → `OpenEmergency`),
 *   having subscribed to the best blocks first (no gap between the two).
 * - **Each best block** (and the blocks of its branch not processed yet, walked back by parent
 *   hash, at most `maxCatchUp`): every
 *   `consent.EmergencyAccessOpened`, in order; a patient it is not custodian of, or an access
 *   expired already, is skipped. A key sealed to the service (`records.EnvelopeAdded`) while an
 *   access to that patient is open is released to it as well. Each version is checked at the
 *   best block before it is sealed (README.md, "Checks before sealing"); the releases of one
 *   access are then sent together (the SDK orders one signer's nonces, so they can share a
 *   block); one failing does not stop the others. A release refused on chain is never sent
 *   again; one not included is retried at the next blocks (at most `maxAttempts` in all) while
 *   the access is open.
 * - **Rescan and clean-up** every `rescanBlocks` blocks: open accesses whose events were missed
 *   are served; ended ones are forgotten after their released envelopes are removed.
 * - **Idempotent**: a version the practitioner already has an envelope for is skipped (the SDK
 *   checks the chain first), so a restart or a block seen twice seals nothing twice.
 * - **Logs** carry ids only (accounts, emergency ids, record version ids, error names): the
 *   service never holds a plaintext, and logs no key or envelope.
 *
 * @module
 */

import { DispatchError, equalBytes, releaseDecision, TransactionError } from '@telemed/sdk';
import type { Logger } from '../log.ts';
import type { EmergencyOpened, Head, KeyServiceChain } from './chain.ts';

/** Options of the {@link KeyService}. */
export interface KeyServiceOptions {
  /** Attempts per version before giving up on it (default 3; only errors that sent nothing count). */
  maxAttempts?: number;
  /** Most skipped blocks walked back to at a new best block (default 32). */
  maxCatchUp?: number;
  /** Rescan every open emergency of its patients every this many blocks (default 10). */
  rescanBlocks?: number;
  /** Serve only these patients (SS58); undefined: every patient that appoints the service. */
  patients?: ReadonlySet<string>;
  /** Most releases sent for one break-glass access (default 32). */
  maxPerEmergency?: number;
  /** Most releases sent for one patient within 24 hours of chain time (default 64). */
  maxPerPatientPerDay?: number;
  /** Free balance the service keeps after a release's deposit and fee (default 0). */
  balanceFloor?: bigint;
}

/** The service's key is not the one its account registered. */
export class KeyMismatchError extends Error {
  override name = 'KeyMismatchError';
}

/** What the service remembers of one break-glass access it served. */
interface Served {
  opened: EmergencyOpened;
  /** Versions released (or found released) to the practitioner. */
  done: Set<bigint>;
  /** Versions not to try again for this access (refused before sending, or on chain). */
  givenUp: Set<bigint>;
  /** Failed attempts (nothing was included) per version still to retry. */
  attempts: Map<bigint, number>;
  /** Versions this service's releases put on chain: removed once the access has ended. */
  released: bigint[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** What went wrong, by name only (no message: it could echo chain data). */
function errorName(e: unknown): string {
  if (e instanceof DispatchError) return e.code;
  return e instanceof Error ? e.name : 'Error';
}

/**
 * May a release that failed with `e` be tried again? Only if it was not included: a
 * `DispatchError` means the chain refused an included transaction (`NotPermitted`,
 * `TooManyEnvelopes`, `InsufficientBalance`…), whose sealed argument is now public: sending it
 * again would publish another copy. A pool rejection or a transport error included nothing.
 */
export function retryable(e: unknown): boolean {
  if (e instanceof DispatchError) return false;
  return e instanceof TransactionError || e instanceof Error;
}

/** The emergency key service. */
export class KeyService {
  /** Break-glass accesses served, by id: dropped once ended and their releases removed. */
  private readonly served = new Map<bigint, Served>();
  /** Releases sent per patient (chain times), for the daily budget. */
  private readonly sentFor = new Map<string, number[]>();
  /** Best blocks processed, hash → number (the most recent ones). */
  private readonly seen = new Map<string, number>();
  /** Blocks processed since the last rescan. */
  private sinceRescan = 0;
  /** Work is done one block at a time, in order. */
  private work: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | undefined;
  private readonly maxAttempts: number;
  private readonly maxCatchUp: number;
  private readonly rescanBlocks: number;
  private readonly patients: ReadonlySet<string> | undefined;
  private readonly maxPerEmergency: number;
  private readonly maxPerPatientPerDay: number;
  private readonly balanceFloor: bigint;

  /**
   * @param chain - the chain (the SDK's, or a test double)
   * @param publicKey - the service's key-agreement public key (what patients seal to)
   * @param log - where the id-only log lines go
   */
  constructor(
    private readonly chain: KeyServiceChain,
    private readonly publicKey: Uint8Array,
    private readonly log: Logger,
    options: KeyServiceOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 3;
    this.maxCatchUp = options.maxCatchUp ?? 32;
    this.rescanBlocks = options.rescanBlocks ?? 10;
    this.patients = options.patients;
    this.maxPerEmergency = options.maxPerEmergency ?? 32;
    this.maxPerPatientPerDay = options.maxPerPatientPerDay ?? 64;
    this.balanceFloor = options.balanceFloor ?? 0n;
  }

  /**
   * Registers the key if missing, follows the best blocks, and scans the accesses open now:
   * following first leaves no gap (an access opened before the subscription is open at the
   * scan; one opened after is in a block followed; one seen both ways is served once).
   */
  async start(): Promise<void> {
    await this.ensureRegistered();
    this.unsubscribe = await this.chain.followHeads((head) => this.onHead(head));
    await this.scan();
    this.log.info('keyservice.started', { account: this.chain.account });
  }

  /** Stops following blocks and waits for the work under way. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.idle();
  }

  /** Resolves once the work queued so far is done (tests). */
  async idle(): Promise<void> {
    let seen: Promise<void>;
    do {
      seen = this.work;
      await seen;
    } while (seen !== this.work);
  }

  /** How many break-glass accesses the service remembers (tests: it forgets ended ones). */
  get remembered(): number {
    return this.served.size;
  }

  /**
   * Registers the service's key-agreement key for its account if it has none.
   *
   * @throws {@link KeyMismatchError} if another key is registered
   */
  async ensureRegistered(): Promise<void> {
    const registered = await this.chain.registeredKey();
    if (registered === null) {
      await this.chain.register(this.publicKey);
      this.log.info('keyservice.registered', { account: this.chain.account });
      return;
    }
    if (!equalBytes(registered, this.publicKey)) {
      throw new KeyMismatchError(`${this.chain.account} has another key-agreement key registered than the recovery phrase's`);
    }
  }

  /** Acts on every break-glass access open now to a patient whose keys the service holds. */
  async scan(): Promise<void> {
    await this.enqueue(() => this.scanNow());
  }

  private async scanNow(): Promise<void> {
    const now = await this.chain.now();
    const patients = await this.chain.patientsHeld();
    let opened = 0;
    for (const patient of patients) {
      if (!this.allowed(patient) || !(await this.chain.isCustodianOf(patient, now))) continue;
      for (const access of await this.chain.openEmergencies(patient, now)) {
        opened++;
        await this.handle(access, now);
      }
    }
    this.sinceRescan = 0;
    this.log.info('keyservice.scanned', { patients: patients.length, open: opened });
  }

  /** A new best block: queued behind the work under way. */
  onHead(head: Head): void {
    void this.enqueue(() => this.processHead(head));
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.work.then(task).catch((e: unknown) => {
      this.log.error('keyservice.block_failed', { error: errorName(e) });
    });
    this.work = next;
    return next;
  }

  private allowed(patient: string): boolean {
    return this.patients === undefined || this.patients.has(patient);
  }

  /**
   * The blocks of `head`'s branch not processed yet, oldest first: walks back by parent hash
   * (not by height, so a reorg at the same height or below is seen) until a processed block,
   * at most `maxCatchUp` blocks back. `lost` says the walk stopped at that bound.
   */
  private async blocksUpTo(head: Head): Promise<{ blocks: Head[]; lost: boolean }> {
    if (this.seen.has(head.hash)) return { blocks: [], lost: false };
    const blocks = [head];
    while (this.seen.size > 0 && !this.seen.has(blocks[0]!.parentHash) && blocks[0]!.number > 0) {
      if (blocks.length > this.maxCatchUp) return { blocks, lost: true };
      blocks.unshift(await this.chain.header(blocks[0]!.parentHash));
    }
    return { blocks, lost: false };
  }

  private remember(block: Head): void {
    this.seen.set(block.hash, block.number);
    // Enough to recognise the branch's recent blocks; the oldest are forgotten first.
    const keep = 4 * (this.maxCatchUp + 1);
    for (const hash of this.seen.keys()) {
      if (this.seen.size <= keep) break;
      this.seen.delete(hash);
    }
  }

  private async processHead(head: Head): Promise<void> {
    const { blocks, lost } = await this.blocksUpTo(head);
    const now = await this.chain.now();
    // What failed before this block is retried after its new accesses.
    const retries = [...this.served.values()].filter((s) => s.attempts.size > 0).map((s) => s.opened);
    for (const block of blocks) {
      const { opened, sealedToService } = await this.chain.activityIn(block.hash);
      for (const access of opened) {
        this.log.info('keyservice.emergency_opened', {
          emergency: access.id.toString(), patient: access.patient, practitioner: access.practitioner, block: block.number,
        });
        await this.handle(access, now);
      }
      // A key sealed to the service while an access to its patient is open goes out too.
      for (const patient of new Set(sealedToService)) {
        if (!this.allowed(patient) || !(await this.chain.isCustodianOf(patient, now))) continue;
        for (const access of await this.chain.openEmergencies(patient, now)) await this.handle(access, now);
      }
      this.remember(block);
    }
    for (const opened of retries) await this.handle(opened, now);
    this.sinceRescan += blocks.length;
    if (lost) this.log.warn('keyservice.catch_up_limit', { block: head.number, walked: blocks.length });
    // Events beyond the catch-up bound, or dropped by the node, are found by a rescan.
    if (lost || this.sinceRescan >= this.rescanBlocks) {
      await this.scanNow();
      await this.cleanUp(now);
    }
  }

  /**
   * Forgets the accesses that have ended (closed, expired, reviewed unjustified) and removes
   * the envelopes the service released for them (`records.removeEnvelope`, allowed to anyone
   * once the access has ended), which returns their deposits to the service.
   */
  async cleanUp(now: number): Promise<void> {
    for (const [id, served] of [...this.served]) {
      const { opened } = served;
      if (now < opened.expiresAt && (await this.chain.emergencyIsOpen(id, now))) continue;
      const left: bigint[] = [];
      for (const version of served.released) {
        const fields = { emergency: id.toString(), record: version.toString() };
        try {
          if (await this.chain.holds(opened.patient, version, opened.practitioner)) {
            await this.chain.removeEnvelope(version, opened.practitioner);
            this.log.info('keyservice.envelope_removed', fields);
          }
        } catch (e) {
          if (retryable(e)) left.push(version);
          else this.log.warn('keyservice.remove_refused', { ...fields, error: errorName(e) });
        }
      }
      served.released = left;
      if (left.length === 0) this.served.delete(id);
    }
    // The daily budgets: forget the releases older than a day.
    for (const patient of [...this.sentFor.keys()]) this.sentToday(patient, now);
  }

  /** Releases sent for `patient` within the day before `now` (older ones forgotten). */
  private sentToday(patient: string, now: number): number[] {
    const times = (this.sentFor.get(patient) ?? []).filter((t) => t > now - DAY_MS);
    if (times.length > 0) this.sentFor.set(patient, times);
    else this.sentFor.delete(patient);
    return times;
  }

  /** Releases every current key held for `opened.patient` to `opened.practitioner`, if allowed now. */
  private async handle(opened: EmergencyOpened, now: number): Promise<void> {
    const emergency = opened.id.toString();
    if (now >= opened.expiresAt) {
      const served = this.served.get(opened.id);
      if (served) served.attempts.clear();
      this.log.info('keyservice.skipped', { emergency, reason: 'expired' });
      return;
    }
    if (!this.allowed(opened.patient)) {
      this.log.info('keyservice.skipped', { emergency, reason: 'not_allowed' });
      return;
    }
    if (!(await this.chain.isCustodianOf(opened.patient, now))) {
      this.served.get(opened.id)?.attempts.clear();
      this.log.info('keyservice.skipped', { emergency, reason: 'not_custodian' });
      return;
    }
    let served = this.served.get(opened.id);
    if (!served) {
      served = { opened, done: new Set(), givenUp: new Set(), attempts: new Map(), released: [] };
      this.served.set(opened.id, served);
    }
    const versions = (await this.chain.heldVersions(opened.patient)).filter((v) => !served.done.has(v) && !served.givenUp.has(v));
    // Every version is checked first, counting the releases of this batch against the limits
    // and the balance; then the ones allowed are sent together (the SDK orders one signer's
    // nonces, so they can share a block).
    const batch: bigint[] = [];
    for (const version of versions) {
      if (await this.check(served, version, now, batch)) batch.push(version);
    }
    const results = await Promise.allSettled(batch.map((version) => this.chain.release(version, opened.practitioner)));
    results.forEach((result, i) => {
      const version = batch[i]!;
      if (result.status === 'rejected') {
        this.failed(served, version, result.reason);
        return;
      }
      served.done.add(version);
      served.released.push(version);
      served.attempts.delete(version);
      this.sentFor.set(opened.patient, [...this.sentToday(opened.patient, now), now]);
      this.log.info('keyservice.released', { emergency: opened.id.toString(), record: version.toString(), outcome: 'sealed' });
    });
  }

  /**
   * Whether `version` may be released now, checked at the best block as if the releases in
   * `batch` (checked already, to be sent with it) had landed. A refusal is final for this
   * access and logged; an error reading the chain counts as a failed attempt.
   */
  private async check(served: Served, version: bigint, now: number, batch: readonly bigint[]): Promise<boolean> {
    const { opened } = served;
    const fields = { emergency: opened.id.toString(), record: version.toString() };
    const refuse = (reason: string) => {
      served.givenUp.add(version);
      served.attempts.delete(version);
      this.log.warn('keyservice.release_refused', { ...fields, reason });
      return false;
    };
    let facts;
    try {
      facts = await this.chain.releaseFacts(version, opened.practitioner);
    } catch (e) {
      this.failed(served, version, e);
      return false;
    }
    const cost = facts.deposit + facts.fee;
    const decision = releaseDecision({
      ...facts,
      practitionerHolds: [...facts.practitionerHolds, ...batch],
      free: facts.free - BigInt(batch.length) * cost,
    }, version, opened.id);
    if (decision === 'already') {
      served.done.add(version);
      served.attempts.delete(version);
      this.log.info('keyservice.released', { ...fields, outcome: 'already' });
      return false;
    }
    if (decision !== 'release') return refuse(decision);
    if (served.released.length + batch.length >= this.maxPerEmergency) return refuse('emergency_budget');
    if (this.sentToday(opened.patient, now).length + batch.length >= this.maxPerPatientPerDay) return refuse('patient_budget');
    const left = facts.free - BigInt(batch.length + 1) * cost;
    if (left < this.balanceFloor) {
      this.log.error('keyservice.balance_floor', {
        ...fields, free: facts.free.toString(), needed: (BigInt(batch.length + 1) * cost).toString(), floor: this.balanceFloor.toString(),
      });
      return refuse('balance_floor');
    }
    return true;
  }

  /**
   * A release that failed with `e`: refused on chain (never again: its argument is public), or
   * not included (retried at the next blocks, at most `maxAttempts` in all).
   */
  private failed(served: Served, version: bigint, e: unknown): void {
    const fields = { emergency: served.opened.id.toString(), record: version.toString(), error: errorName(e) };
    if (!retryable(e)) {
      served.givenUp.add(version);
      served.attempts.delete(version);
      this.log.warn('keyservice.release_refused', { emergency: fields.emergency, record: fields.record, reason: fields.error });
      return;
    }
    const attempts = (served.attempts.get(version) ?? 0) + 1;
    if (attempts >= this.maxAttempts) {
      served.givenUp.add(version);
      served.attempts.delete(version);
      this.log.error('keyservice.release_gave_up', { ...fields, attempt: attempts });
    } else {
      served.attempts.set(version, attempts);
      this.log.warn('keyservice.release_failed', { ...fields, attempt: attempts });
    }
  }
}

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
 * - **Each best block** (and the blocks skipped since the last one, at most `maxCatchUp`): every
 *   `consent.EmergencyAccessOpened`, in order; a patient it is not custodian of, or an access
 *   expired already, is skipped. A key sealed to the service (`records.EnvelopeAdded`) while an
 *   access to that patient is open is released to it as well. The releases of one access are sent together (the SDK orders
 *   one signer's nonces, so they can share a block); one failing does not stop the others and
 *   is retried at the next blocks (at most `maxAttempts` in all) while the access is open.
 * - **Idempotent**: a version the practitioner already has an envelope for is skipped (the SDK
 *   checks the chain first), so a restart or a block seen twice seals nothing twice.
 * - **Logs** carry ids only (accounts, emergency ids, record version ids, error names): the
 *   service never holds a plaintext, and logs no key or envelope.
 *
 * @module
 */

import { DispatchError, equalBytes } from '@telemed/sdk';
import type { Logger } from '../log.ts';
import type { EmergencyOpened, Head, KeyServiceChain } from './chain.ts';

/** Options of the {@link KeyService}. */
export interface KeyServiceOptions {
  /** Attempts per version before giving up on it (default 3). */
  maxAttempts?: number;
  /** Most skipped blocks walked back to at a new best block (default 32). */
  maxCatchUp?: number;
}

/** The service's key is not the one its account registered. */
export class KeyMismatchError extends Error {
  override name = 'KeyMismatchError';
}

/** An access some of whose releases failed, to be retried. */
interface Pending {
  opened: EmergencyOpened;
  /** Attempts made per version id. */
  attempts: Map<bigint, number>;
}

/** What went wrong, by name only (no message: it could echo chain data). */
function errorName(e: unknown): string {
  if (e instanceof DispatchError) return e.code;
  return e instanceof Error ? e.name : 'Error';
}

/** The emergency key service. */
export class KeyService {
  /** `emergency/version` pairs released or found already there. */
  private readonly done = new Set<string>();
  /** Accesses with failed releases, by id. */
  private readonly pending = new Map<bigint, Pending>();
  /** Versions given up on, `emergency/version`. */
  private readonly givenUp = new Set<string>();
  /** Work is done one block at a time, in order. */
  private work: Promise<void> = Promise.resolve();
  private lastNumber: number | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly maxAttempts: number;
  private readonly maxCatchUp: number;

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
    await this.enqueue(async () => {
      const now = await this.chain.now();
      const patients = await this.chain.patientsHeld();
      let opened = 0;
      for (const patient of patients) {
        if (!(await this.chain.isCustodianOf(patient, now))) continue;
        for (const access of await this.chain.openEmergencies(patient, now)) {
          opened++;
          await this.handle(access, now);
        }
      }
      this.log.info('keyservice.scanned', { patients: patients.length, open: opened });
    });
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

  /** The block `head` and the ones skipped since the last one, oldest first. */
  private async blocksUpTo(head: Head): Promise<Head[]> {
    const blocks = [head];
    let parent = head.parentHash;
    while (this.lastNumber !== undefined && blocks[0]!.number - 1 > this.lastNumber && blocks.length <= this.maxCatchUp) {
      const previous = await this.chain.header(parent);
      blocks.unshift(previous);
      parent = previous.parentHash;
    }
    return blocks;
  }

  private async processHead(head: Head): Promise<void> {
    const blocks = await this.blocksUpTo(head);
    this.lastNumber = Math.max(this.lastNumber ?? head.number, head.number);
    const now = await this.chain.now();
    // What failed before this block is retried after its new accesses.
    const retries = [...this.pending.values()];
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
        if (!(await this.chain.isCustodianOf(patient, now))) continue;
        for (const access of await this.chain.openEmergencies(patient, now)) await this.handle(access, now);
      }
    }
    for (const { opened } of retries) await this.handle(opened, now);
  }

  /** Releases every key held for `opened.patient` to `opened.practitioner`, if allowed now. */
  private async handle(opened: EmergencyOpened, now: number): Promise<void> {
    const emergency = opened.id.toString();
    if (now >= opened.expiresAt) {
      this.pending.delete(opened.id);
      this.log.info('keyservice.skipped', { emergency, reason: 'expired' });
      return;
    }
    if (!(await this.chain.isCustodianOf(opened.patient, now))) {
      this.pending.delete(opened.id);
      this.log.info('keyservice.skipped', { emergency, reason: 'not_custodian' });
      return;
    }
    const versions = (await this.chain.heldVersions(opened.patient))
      .filter((v) => !this.done.has(`${emergency}/${v}`) && !this.givenUp.has(`${emergency}/${v}`));
    const results = await Promise.allSettled(versions.map((v) => this.chain.release(v, opened.practitioner)));
    const pending = this.pending.get(opened.id) ?? { opened, attempts: new Map<bigint, number>() };
    results.forEach((result, i) => {
      const version = versions[i]!;
      const key = `${emergency}/${version}`;
      if (result.status === 'fulfilled') {
        this.done.add(key);
        pending.attempts.delete(version);
        this.log.info('keyservice.released', { emergency, record: version.toString(), outcome: result.value });
        return;
      }
      const attempts = (pending.attempts.get(version) ?? 0) + 1;
      const fields = { emergency, record: version.toString(), error: errorName(result.reason), attempt: attempts };
      if (attempts >= this.maxAttempts) {
        this.givenUp.add(key);
        pending.attempts.delete(version);
        this.log.error('keyservice.release_gave_up', fields);
      } else {
        pending.attempts.set(version, attempts);
        this.log.warn('keyservice.release_failed', fields);
      }
    });
    if (pending.attempts.size > 0) this.pending.set(opened.id, pending);
    else this.pending.delete(opened.id);
  }
}

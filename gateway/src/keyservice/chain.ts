/**
 * What the emergency key service needs from the chain ({@link KeyServiceChain}: the seam its
 * unit tests mock) and its implementation on the SDK ({@link SdkKeyServiceChain}: `TelemedChain`,
 * the `records`/`consent` reads and the `releaseToEmergency` flow).
 *
 * @module
 */

import {
  blockEvents, consent, EMERGENCY_CUSTODIAN, MemoryBlobStore, records, releaseFacts, sendRelease,
  type Actor, type FlowContext, type ReleaseFacts, type TelemedChain,
} from '@telemed/sdk';

/** A break-glass access the service may act on. */
export interface EmergencyOpened {
  /** The access's id (`EmergencyAccessId`). */
  id: bigint;
  /** Whose data (SS58). */
  patient: string;
  /** Who broke the glass (SS58). */
  practitioner: string;
  /** When it stops counting (ms, chain time). */
  expiresAt: number;
}

/** A best block. */
export interface Head {
  /** Its number. */
  number: number;
  /** Its hash (hex). */
  hash: string;
  /** Its parent's hash (hex). */
  parentHash: string;
}

/** What a block brought that concerns the service. */
export interface BlockActivity {
  /** Its `consent.EmergencyAccessOpened` events, in order. */
  opened: EmergencyOpened[];
  /** The patients a key was sealed to the service for (`records.EnvelopeAdded` to it), in order. */
  sealedToService: string[];
}

/** What the key service asks the chain, and the one thing it does there (release a key). */
export interface KeyServiceChain {
  /** The service's account (SS58): the custodian patients appoint. */
  readonly account: string;
  /** The key-agreement key registered for the service's account (`RecordsApi.patient`), or null. */
  registeredKey(): Promise<Uint8Array | null>;
  /** `records.registerPatient(key)` for the service's account. */
  register(key: Uint8Array): Promise<void>;
  /** The chain's clock at the best block (ms). */
  now(): Promise<number>;
  /** The patients for whose records the service holds envelopes (`GranteePatients`). */
  patientsHeld(): Promise<string[]>;
  /** Whether `patient` appointed the service as emergency custodian, valid at `now`. */
  isCustodianOf(patient: string, now: number): Promise<boolean>;
  /** `patient`'s break-glass accesses open at `now` (`OpenEmergency`, `EmergencyAccesses`). */
  openEmergencies(patient: string, now: number): Promise<EmergencyOpened[]>;
  /** The versions of `patient`'s records the service holds envelopes for (`EnvelopesOf`, bounded). */
  heldVersions(patient: string): Promise<bigint[]>;
  /**
   * What the chain says at the best block about releasing `version` to `practitioner`
   * (the SDK's `releaseFacts`: the practitioner's access basis, the version, envelope counts,
   * the service's free balance, deposit and fee).
   */
  releaseFacts(version: bigint, practitioner: string): Promise<ReleaseFacts>;
  /**
   * Seals version `version`'s key to `practitioner` and sends `records.addEnvelope(…,
   * EmergencyTreatment)`, mortal, WITHOUT checks: the service calls it only right after
   * `releaseFacts` allowed it. Throws `DispatchError` (included, refused: its argument is
   * public) or `TransactionError` (not included).
   */
  release(version: bigint, practitioner: string): Promise<void>;
  /** Whether break-glass access `id` grants access at `now` (false: closed, expired, reviewed unjustified, gone). */
  emergencyIsOpen(id: bigint, now: number): Promise<boolean>;
  /** Whether `practitioner` holds an envelope of `version` of `patient`'s (`EnvelopesOf`). */
  holds(patient: string, version: bigint, practitioner: string): Promise<boolean>;
  /** `records.removeEnvelope(version, practitioner)`: the deposit comes back to the service. */
  removeEnvelope(version: bigint, practitioner: string): Promise<void>;
  /** What block `hash` brought: accesses opened, keys sealed to the service. */
  activityIn(hash: string): Promise<BlockActivity>;
  /** The header of block `hash`. */
  header(hash: string): Promise<Head>;
  /** Calls `onHead` for every new best block; resolves to the unsubscribe function. */
  followHeads(onHead: (head: Head) => void): Promise<() => void>;
}

/** The {@link KeyServiceChain} on the SDK. */
export class SdkKeyServiceChain implements KeyServiceChain {
  readonly account: string;
  private readonly ctx: FlowContext;

  /**
   * @param chain - a connected SDK client
   * @param custodian - the service: its signing key and its key-agreement keys
   */
  constructor(
    readonly chain: TelemedChain,
    private readonly custodian: Actor,
  ) {
    this.account = chain.address(custodian.signer.address);
    // The release flow reads no blob: the store is never used.
    this.ctx = { chain, store: new MemoryBlobStore() };
  }

  async registeredKey(): Promise<Uint8Array | null> {
    return (await records.patient(this.chain, this.account))?.key ?? null;
  }

  async register(key: Uint8Array): Promise<void> {
    await records.registerPatient(this.chain, this.custodian.signer, key);
  }

  now(): Promise<number> {
    return this.chain.now();
  }

  patientsHeld(): Promise<string[]> {
    return records.granteePatients(this.chain, this.account);
  }

  async isCustodianOf(patient: string, now: number): Promise<boolean> {
    return consent.delegationAllows(await consent.delegation(this.chain, patient, this.account), EMERGENCY_CUSTODIAN, now);
  }

  async openEmergencies(patient: string, now: number): Promise<EmergencyOpened[]> {
    const open: EmergencyOpened[] = [];
    for (const { id, practitioner } of await consent.openEmergencies(this.chain, patient)) {
      const access = await consent.emergencyAccess(this.chain, id);
      if (access && consent.emergencyIsOpen(access, now)) open.push({ id, patient, practitioner, expiresAt: access.expiresAt });
    }
    return open;
  }

  heldVersions(patient: string): Promise<bigint[]> {
    return records.envelopesOf(this.chain, patient, this.account);
  }

  releaseFacts(version: bigint, practitioner: string): Promise<ReleaseFacts> {
    return releaseFacts(this.ctx, this.account, version, practitioner);
  }

  async release(version: bigint, practitioner: string): Promise<void> {
    await sendRelease(this.ctx, this.custodian, version, practitioner);
  }

  async emergencyIsOpen(id: bigint, now: number): Promise<boolean> {
    return consent.emergencyIsOpen(await consent.emergencyAccess(this.chain, id), now);
  }

  async holds(patient: string, version: bigint, practitioner: string): Promise<boolean> {
    return (await records.envelopesOf(this.chain, patient, practitioner)).includes(version);
  }

  async removeEnvelope(version: bigint, practitioner: string): Promise<void> {
    await records.removeEnvelope(this.chain, this.custodian.signer, version, practitioner);
  }

  async activityIn(hash: string): Promise<BlockActivity> {
    const events = await blockEvents(this.chain, hash);
    const opened = events
      .filter((e) => e.pallet === 'consent' && e.name === 'EmergencyAccessOpened')
      .map(({ fields }) => ({
        id: BigInt(fields.id as number | string),
        patient: this.chain.address(String(fields.patient)),
        practitioner: this.chain.address(String(fields.practitioner)),
        expiresAt: Number(fields.expiresAt),
      }));
    const sealedToService: string[] = [];
    for (const { fields } of events.filter((e) => e.pallet === 'records' && e.name === 'EnvelopeAdded')) {
      if (this.chain.address(String(fields.grantee)) !== this.account) continue;
      const entry = await records.recordEntry(this.chain, BigInt(fields.record as number | string));
      if (entry && !entry.shredded) sealedToService.push(this.chain.address(entry.version.patient));
    }
    return { opened, sealedToService };
  }

  async header(hash: string): Promise<Head> {
    const header = await this.chain.api.rpc.chain.getHeader(hash);
    return { number: header.number.toNumber(), hash: header.hash.toHex(), parentHash: header.parentHash.toHex() };
  }

  async followHeads(onHead: (head: Head) => void): Promise<() => void> {
    return this.chain.api.rpc.chain.subscribeNewHeads((header) => {
      onHead({ number: header.number.toNumber(), hash: header.hash.toHex(), parentHash: header.parentHash.toHex() });
    });
  }
}

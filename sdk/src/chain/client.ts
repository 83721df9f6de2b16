/**
 * The connection to a Telemed node. Everything is decoded with the node's own metadata
 * (@polkadot/api builds its types from it at connect); {@link TelemedChain.connect} first checks
 * that the runtime has every call, storage item and runtime API the SDK uses, with the arguments
 * the SDK passes, and refuses to work with one that has drifted ({@link MetadataMismatchError}).
 *
 * @module
 */

import { ApiPromise, WsProvider } from '@polkadot/api';
import type { KeyringPair } from '@polkadot/keyring/types';
import { MetadataMismatchError } from './errors.ts';

/** Who signs a transaction: an sr25519/ed25519 key pair from `@polkadot/keyring`. */
export type Signer = KeyringPair;

/** An account: an SS58 address or the 32-byte account id. */
export type Account = string | Uint8Array;

/**
 * What the SDK calls, with the argument names the runtime must have (in @polkadot/api's lower
 * camel case). Checked at connect.
 */
export const REQUIRED_CALLS: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  records: {
    registerPatient: ['key'],
    rotatePatientKey: ['key'],
    addRecord: ['patient', 'tag', 'commitment', 'ciphertextHash', 'sizeClass', 'locator', 'purpose'],
    amendRecord: ['previous', 'commitment', 'ciphertextHash', 'sizeClass', 'locator', 'purpose'],
    addEnvelope: ['record', 'grantee', 'sealed', 'purpose'],
    removeEnvelope: ['record', 'grantee'],
    accessRecord: ['record'],
    shredRecord: ['record'],
    rekeyRecord: ['record', 'commitment', 'ciphertextHash', 'sizeClass', 'locator', 'envelopes'],
    registerDevice: ['device', 'label'],
    confirmDevice: ['patient'],
    anchorBatch: ['seq', 'root', 'samples', 'from', 'to'],
  },
  practitioners: {
    rotateKeyAgreementKey: ['newKey'],
  },
  consent: {
    grantConsent: ['patient', 'grantee', 'decision', 'actions', 'scope', 'purposes', 'start', 'end'],
    revokeConsent: ['id'],
    addDelegate: ['delegate', 'scopes', 'until'],
    removeDelegate: ['patient', 'delegate'],
  },
  billing: {
    setService: ['service', 'description', 'price', 'duration'],
    book: ['patient', 'practitioner', 'service', 'scheduledAt', 'policy'],
    accept: ['id'],
    markDelivered: ['id', 'encounter'],
    confirm: ['id'],
    cancel: ['id'],
    decline: ['id'],
    dispute: ['id'],
    publishSessionKey: ['id', 'key'],
  },
  prescriptions: {
    issue: ['patient', 'commitment', 'ciphertextHash', 'locator', 'fills', 'expiresAt', 'controlled', 'dispenseHashes'],
    dispense: ['id', 'secret'],
    amend: ['id', 'commitment', 'ciphertextHash', 'locator', 'fills', 'expiresAt', 'controlled', 'dispenseHashes'],
    cancel: ['id'],
    expire: ['id'],
  },
};

/** Storage items the SDK reads. */
export const REQUIRED_QUERIES: Readonly<Record<string, readonly string[]>> = {
  records: ['records', 'envelopes', 'envelopesOf', 'granteePatients'],
  consent: ['delegates', 'emergencyAccesses', 'openEmergency'],
  practitioners: ['practitioners'],
  billing: ['sessionKeysOf', 'consultations'],
  prescriptions: ['prescriptions'],
  system: ['events', 'account'],
  timestamp: ['now'],
};

/** Runtime API methods the SDK calls. */
export const REQUIRED_RUNTIME_APIS: Readonly<Record<string, readonly string[]>> = {
  recordsApi: ['patient', 'recordHistory', 'envelope', 'latestBatch'],
  consentApi: ['checkAccess', 'disclosures'],
  practitionersApi: ['licenceStatus'],
  billingApi: ['quote', 'consultations', 'claims', 'policies'],
  prescriptionsApi: ['prescription', 'prescriptionsOf'],
};

/** Options of {@link TelemedChain.connect}. */
export interface ConnectOptions {
  /** Check the metadata against what the SDK uses (default true). */
  checkMetadata?: boolean;
  /** Reconnect delay of the WebSocket provider in ms; 0 disables reconnecting (default 1000). */
  autoConnectMs?: number;
}

/** A connected Telemed chain: the API, the genesis hash and account conversions. */
export class TelemedChain {
  /** The underlying @polkadot/api instance (decoded with the node's metadata). */
  readonly api: ApiPromise;
  /** The chain's genesis hash, 32 bytes: part of every envelope's binding. */
  readonly genesisHash: Uint8Array;

  /** Use {@link TelemedChain.connect}, {@link TelemedChain.fromApi} or {@link TelemedChain.at}. */
  private constructor(api: ApiPromise, genesisHash?: Uint8Array) {
    this.api = api;
    this.genesisHash = genesisHash ?? api.genesisHash.toU8a();
  }

  /**
   * Connects to a node's WebSocket RPC (`ws://127.0.0.1:9944`).
   *
   * @throws {@link MetadataMismatchError} if the runtime lacks something the SDK uses (the
   *   connection is closed then); the provider's error if the node cannot be reached
   */
  static async connect(url: string, options: ConnectOptions = {}): Promise<TelemedChain> {
    const provider = new WsProvider(url, options.autoConnectMs ?? 1_000);
    const api = await ApiPromise.create({ provider, throwOnConnect: true, noInitWarn: true });
    try {
      return TelemedChain.fromApi(api, options);
    } catch (e) {
      await api.disconnect();
      throw e;
    }
  }

  /**
   * Wraps an API the caller connected (and disconnects).
   *
   * @throws {@link MetadataMismatchError} as {@link TelemedChain.connect}
   */
  static fromApi(api: ApiPromise, options: Pick<ConnectOptions, 'checkMetadata'> = {}): TelemedChain {
    if (options.checkMetadata ?? true) {
      const problems = metadataProblems(api);
      if (problems.length > 0) throw new MetadataMismatchError(problems);
    }
    return new TelemedChain(api);
  }

  /**
   * The chain as of block `blockHash`: every storage read and runtime API call through the
   * returned chain (`records.patient(view, …)`, `consent.checkAccess(view, …)`…) is answered at
   * that block, so several reads agree with each other.
   *
   * For reads only: the view's `api` is @polkadot/api's decoration at that block (`api.at`),
   * typed as the API it came from; it has no RPC and must not be given to `send()`.
   */
  async at(blockHash: string | Uint8Array): Promise<TelemedChain> {
    const decorated = await this.api.at(blockHash);
    // The decoration has the `query`, `call`, `registry` and `consts` the read functions use.
    return new TelemedChain(decorated as unknown as ApiPromise, this.genesisHash);
  }

  /** The 32-byte account id of an address (or the id itself, checked). */
  accountId(account: Account): Uint8Array {
    return this.api.registry.createType('AccountId', account).toU8a();
  }

  /** The SS58 address of an account (in the chain's format). */
  address(account: Account): string {
    return this.api.registry.createType('AccountId', account).toString();
  }

  /** The chain's clock (`timestamp.now`) at the best block, in ms since the Unix epoch. */
  async now(): Promise<number> {
    return Number((await this.api.query.timestamp!.now!()).toString());
  }

  /** Closes the connection. */
  async disconnect(): Promise<void> {
    await this.api.disconnect();
  }
}

/** What in the node's metadata differs from what the SDK uses (empty when nothing). */
export function metadataProblems(api: ApiPromise): string[] {
  const problems: string[] = [];
  for (const [pallet, calls] of Object.entries(REQUIRED_CALLS)) {
    for (const [call, args] of Object.entries(calls)) {
      const fn = api.tx[pallet]?.[call];
      if (!fn) {
        problems.push(`tx ${pallet}.${call}: missing`);
        continue;
      }
      const actual = fn.meta.args.map((a) => a.name.toString());
      if (actual.join(',') !== args.join(',')) {
        problems.push(`tx ${pallet}.${call}: args (${actual.join(', ')}), the SDK passes (${args.join(', ')})`);
      }
    }
  }
  for (const [pallet, items] of Object.entries(REQUIRED_QUERIES)) {
    for (const item of items) {
      if (!api.query[pallet]?.[item]) problems.push(`query ${pallet}.${item}: missing`);
    }
  }
  for (const [section, methods] of Object.entries(REQUIRED_RUNTIME_APIS)) {
    for (const method of methods) {
      if (!api.call[section]?.[method]) problems.push(`runtime API ${section}.${method}: missing`);
    }
  }
  return problems;
}

/**
 * The app's session: the connection to the chain (the SDK's `TelemedChain`, which checks the
 * runtime's metadata), the accounts that can sign (the development accounts on a development
 * chain, and browser wallets through @polkadot/extension-dapp), and the health key of each
 * account (the SDK's `KeyRing` from its recovery phrase), which lives only in this browser.
 *
 * @module
 */

import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { SignerPayloadJSON, SignerPayloadRaw } from '@polkadot/types/types';
import { hexToU8a, u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { x25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  GatewayBlobStore,
  KeyRing,
  TelemedChain,
  isValidRecoveryPhrase,
  type Actor,
  type FlowContext,
  type GatewaySigner,
  type KeyAgreementKeyPair,
  type PurposeOfUse,
  type RecordId,
  type Signer,
} from '@telemed/sdk';
import type { AppConfig } from './config.ts';
import { isKeystore, openPhrase, sealPhrase, UnknownKeystoreError } from './keystore.ts';
import { Store } from './store.ts';
import { Transactions, type PayloadSigner } from './transactions.ts';

/** The development accounts (`//Alice` …), on a development or local chain only. */
export const DEV_NAMES = ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie'] as const;

export interface AppAccount {
  address: string;
  name: string;
  /** `development` or the wallet's name (`polkadot-js`…). */
  source: string;
}

/** Whose health key an account uses: from its recovery phrase, or a development key. */
export type HealthKey = { kind: 'phrase'; ring: KeyRing } | { kind: 'dev'; pair: KeyAgreementKeyPair };

/**
 * The development chain's published practitioner key for `name` (the dev preset: the X25519
 * public key of `sha256("telemed dev key agreement //<name>")`). Public: a development chain only.
 */
export function devKeyAgreementKey(name: string): KeyAgreementKeyPair {
  const secretKey = sha256(new TextEncoder().encode(`telemed dev key agreement //${name}`));
  return { keyVersion: 0, secretKey, publicKey: x25519.getPublicKey(secretKey) };
}

const REMEMBER = 'telemed.health-key.';

export class Session {
  readonly txs = new Transactions();
  readonly accounts = new Store<AppAccount[]>([]);
  readonly healthKeys = new Store<ReadonlyMap<string, HealthKey>>(new Map());
  readonly #pairs = new Map<string, KeyringPair>();
  readonly #wallets = new Map<string, PayloadSigner>();

  private constructor(
    readonly chain: TelemedChain,
    readonly config: AppConfig,
    readonly chainName: string,
    readonly chainType: string,
  ) {}

  /** Connects to the node and, on a development chain, offers the development accounts. */
  static async connect(config: AppConfig): Promise<Session> {
    await cryptoWaitReady();
    const chain = await TelemedChain.connect(config.node);
    const [name, type] = await Promise.all([chain.api.rpc.system.chain(), chain.api.rpc.system.chainType()]);
    const session = new Session(chain, config, name.toString(), type.type);
    chain.api.setSigner(session.txs.signer(chain.api, (address) => session.payloadSigner(address)));
    await session.txs.attach(chain);
    if (session.isDevelopment) session.addDevAccounts();
    return session;
  }

  /**
   * Whether the node says its chain is a development or local test chain (`system_chainType`):
   * the chains whose well-known development accounts the app offers.
   */
  get isDevelopment(): boolean {
    return this.chainType === 'Development' || this.chainType === 'Local';
  }

  get genesisHash(): Uint8Array {
    return this.chain.genesisHash;
  }

  addDevAccounts(): void {
    const keyring = new Keyring({ type: 'sr25519', ss58Format: this.chain.api.registry.chainSS58 ?? 42 });
    const added: AppAccount[] = [];
    for (const name of DEV_NAMES) {
      const pair = keyring.addFromUri(`//${name}`, { name });
      this.#pairs.set(pair.address, pair);
      added.push({ address: pair.address, name, source: 'development' });
    }
    this.accounts.update((list) => [...list.filter((a) => a.source !== 'development'), ...added]);
  }

  /** Asks the browser's wallets (the polkadot.js extension and others) for their accounts. */
  async connectWallets(): Promise<number> {
    const { web3Enable, web3Accounts, web3FromSource } = await import('@polkadot/extension-dapp');
    const extensions = await web3Enable('Telemed');
    if (extensions.length === 0) return 0;
    const found = await web3Accounts({ ss58Format: this.chain.api.registry.chainSS58 ?? 42, accountType: ['sr25519'] });
    const added: AppAccount[] = [];
    for (const account of found) {
      const injected = await web3FromSource(account.meta.source);
      const signer = injected.signer;
      if (!signer.signPayload || !signer.signRaw) continue;
      const signPayload = signer.signPayload.bind(signer);
      const signRaw = signer.signRaw.bind(signer);
      this.#wallets.set(account.address, {
        signPayload: async (payload) => ({ signature: (await signPayload(payload)).signature }),
        signRaw: async (raw) => ({ signature: (await signRaw(raw)).signature }),
      });
      added.push({ address: account.address, name: account.meta.name ?? account.address, source: account.meta.source });
    }
    this.accounts.update((list) => [...list.filter((a) => !added.some((b) => b.address === a.address)), ...added]);
    return added.length;
  }

  /** How the app signs for `address`: a development pair or a wallet. */
  payloadSigner(address: string): PayloadSigner | undefined {
    const pair = this.#pairs.get(address);
    if (pair) {
      const registry = this.chain.api.registry;
      return {
        async signPayload(payload: SignerPayloadJSON) {
          const extrinsic = registry.createType('ExtrinsicPayload', payload, { version: payload.version });
          return { signature: extrinsic.sign(pair).signature };
        },
        async signRaw(raw: SignerPayloadRaw) {
          return { signature: u8aToHex(pair.sign(hexToU8a(raw.data))) };
        },
      };
    }
    return this.#wallets.get(address);
  }

  /**
   * The account as the SDK's flows take it. The flows only read `.address` and hand the account
   * to @polkadot/api's `signAndSend`, which signs an account that is not a key pair through the
   * API's signer: the app's, which shows the fee and asks first (transactions.ts).
   */
  sdkSigner(address: string): Signer {
    return { address, toString: () => address } as unknown as Signer;
  }

  /** Signs gateway requests for `address` (raw bytes; a wallet wraps them in `<Bytes>`). */
  gatewaySigner(address: string): GatewaySigner {
    return {
      address,
      sign: async (message: Uint8Array) => {
        const signer = this.payloadSigner(address);
        if (!signer) throw new Error(`no signer for ${address}`);
        const { signature } = await signer.signRaw({ address, data: u8aToHex(message), type: 'bytes' });
        return hexToU8a(signature);
      },
    };
  }

  /**
   * The flows' context for `address`: the chain and the gateway acting as that account, reading
   * a record version (for a purpose) or a prescription.
   */
  context(address: string, reading?: { version: RecordId; purpose?: PurposeOfUse } | { prescription: bigint }): FlowContext {
    const store = new GatewayBlobStore(this.config.gateway, this.gatewaySigner(address), this.genesisHash);
    if (reading === undefined) return { chain: this.chain, store };
    if ('prescription' in reading) return { chain: this.chain, store: store.readingPrescription(reading.prescription) };
    return { chain: this.chain, store: store.reading(reading.version, reading.purpose) };
  }

  /** The SDK's actor for `address`, or undefined while its health key is locked. */
  actor(address: string): Actor | undefined {
    const key = this.healthKeys.value.get(address);
    if (!key) return undefined;
    return { signer: this.sdkSigner(address), keys: key.kind === 'phrase' ? key.ring : key.pair };
  }

  /**
   * Unlocks `address`'s health key from its recovery phrase (the SDK's 24 words, not the
   * wallet's). With `rememberWith` (a passcode), the phrase is also kept in this browser's local
   * storage, encrypted under that passcode (keystore.ts), for the next visit; never sent anywhere.
   */
  async unlock(address: string, phrase: string, rememberWith?: string): Promise<KeyRing> {
    const words = phrase.trim().split(/\s+/).join(' ');
    if (!isValidRecoveryPhrase(words)) throw new Error('This is not a valid recovery phrase (check the words and their order).');
    // The passcode is checked before anything is unlocked or stored.
    const sealed = rememberWith === undefined ? undefined : await sealPhrase(words, rememberWith, address);
    const ring = KeyRing.fromRecoveryPhrase(words);
    this.setKey(address, { kind: 'phrase', ring });
    if (sealed !== undefined) localStorage.setItem(REMEMBER + address, sealed);
    return ring;
  }

  /**
   * Unlocks the key remembered in this browser for `address` with its passcode.
   *
   * @throws `WrongPasscodeError`; `UnknownKeystoreError` (e.g. a phrase an older version kept in
   *   plain: it is forgotten, unlock with the phrase again)
   */
  async unlockRemembered(address: string, passcode: string): Promise<KeyRing> {
    const stored = this.remembered(address);
    if (stored === null) throw new Error('No key is remembered in this browser for this account.');
    if (!isKeystore(stored)) {
      localStorage.removeItem(REMEMBER + address);
      throw new UnknownKeystoreError('An older version kept this key unencrypted; it has been forgotten. Unlock with your recovery phrase (and a passcode to remember it).');
    }
    return this.unlock(address, await openPhrase(stored, passcode, address));
  }

  /** The development chain's demo key for a development account (its practitioner key there). */
  useDevKey(address: string): void {
    const account = this.accounts.value.find((a) => a.address === address && a.source === 'development');
    if (!account) throw new Error('Only a development account has a development key.');
    this.setKey(address, { kind: 'dev', pair: devKeyAgreementKey(account.name) });
  }

  /** What is remembered in this browser for `address` (a keystore), if anything. */
  remembered(address: string): string | null {
    return localStorage.getItem(REMEMBER + address);
  }

  /** Locks `address`'s health key again and forgets a remembered phrase. */
  lock(address: string): void {
    localStorage.removeItem(REMEMBER + address);
    const next = new Map(this.healthKeys.value);
    next.delete(address);
    this.healthKeys.set(next);
  }

  private setKey(address: string, key: HealthKey): void {
    const next = new Map(this.healthKeys.value);
    next.set(address, key);
    this.healthKeys.set(next);
  }

  async disconnect(): Promise<void> {
    this.txs.detach();
    await this.chain.disconnect();
  }
}

// Accounts as a wallet holds them: the dev chain's well-known accounts (`//Alice`, `//Bob`, …)
// and fresh accounts from a new mnemonic, all sr25519 with the generic SS58 prefix.
//
// On the `development` preset: Alice is sudo and a council member, Bob is the licensed demo
// physician (and a council and technical committee member), Ferdie is the demo licensing
// authority ("Demo Medical Board"); every well-known account is endowed.

import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { cryptoWaitReady, mnemonicGenerate } from '@polkadot/util-crypto';

export type { KeyringPair };

/** The well-known development accounts. */
export type DevName = 'Alice' | 'Bob' | 'Charlie' | 'Dave' | 'Eve' | 'Ferdie';

let keyring: Keyring | undefined;

/** The keyring every suite uses (sr25519, SS58 prefix 42); waits for the crypto to load. */
export async function keyringReady(): Promise<Keyring> {
  await cryptoWaitReady();
  keyring ??= new Keyring({ type: 'sr25519', ss58Format: 42 });
  return keyring;
}

function ready(): Keyring {
  if (!keyring) throw new Error('call keyringReady() (or startDevChain()) first');
  return keyring;
}

/** A well-known development account (`//Alice`, …). */
export function dev(name: DevName): KeyringPair {
  return ready().addFromUri(`//${name}`);
}

/** A new account from a fresh mnemonic: nobody else uses it, it starts with nothing. */
export function fresh(): KeyringPair {
  return ready().addFromMnemonic(mnemonicGenerate());
}

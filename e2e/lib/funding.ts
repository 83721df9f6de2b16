// Funding test accounts from the dev chain's endowed accounts.

import type { ApiPromise } from '@polkadot/api';
import { dev, fresh, type KeyringPair } from './keyring.ts';
import { submitOk, type Outcome } from './tx.ts';

/** Transfers `amount` (planck) to `who`, keeping the sender alive; from Alice unless told. */
export async function fund(
  api: ApiPromise,
  who: KeyringPair | string,
  amount: bigint,
  from: KeyringPair = dev('Alice'),
): Promise<Outcome> {
  const address = typeof who === 'string' ? who : who.address;
  return await submitOk(api, api.tx.balances.transferKeepAlive(address, amount), from);
}

/** A fresh account funded with `amount` (planck) by Alice. */
export async function funded(api: ApiPromise, amount: bigint): Promise<KeyringPair> {
  const account = fresh();
  await fund(api, account, amount);
  return account;
}

// The Telemed SDK (sdk/, `@telemed/sdk`) as the suites use it: imported by relative path, as
// the gateway and the suites import testing/ (sdk/ is installed by its own `npm ci`; nothing is
// built: the SDK exports its TypeScript sources). Plus what the suites need around it: the SDK's
// chain client on a suite's API connection, and the code of a refused transaction.
//
// Nonces: the SDK's `send` counts a signer's nonces itself (per `TelemedChain`), so an account
// that signs through the SDK signs through the SDK only; lib/tx.ts `submit` is for the others
// (the development accounts, which several suites use).

import assert from 'node:assert/strict';
import type { ApiPromise } from '@polkadot/api';
import { DispatchError, TelemedChain, type Included } from '../../sdk/src/index.ts';

export * from '../../sdk/src/index.ts';

/** The @polkadot/api class the SDK was compiled against (its own copy under sdk/node_modules). */
type SdkApi = Parameters<typeof TelemedChain.fromApi>[0];

/**
 * The SDK's chain client on the suite's connection (metadata checked). The cast only bridges the
 * two installed copies of the same @polkadot/api version (e2e's and the SDK's); at run time the
 * SDK uses the suite's API object.
 */
export function sdkChain(api: ApiPromise): TelemedChain {
  return TelemedChain.fromApi(api as unknown as SdkApi);
}

/** The `pallet.ErrorName` a transaction was refused with; fails if it was not refused. */
export async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof DispatchError, `refused by the runtime, not ${String(e)}`);
    return e.code;
  }
  assert.fail('the transaction was not refused');
}

/** `pallet.Event` of every event of an included transaction. */
export function eventNames(included: Included): string[] {
  return included.events.map((e) => `${e.pallet}.${e.name}`);
}

/** The fields of the first `pallet.Event` of an included transaction (by name, as JSON). */
export function fieldsOf(included: Included, name: string): Record<string, unknown> {
  const found = included.events.find((e) => `${e.pallet}.${e.name}` === name);
  assert.ok(found, `${name} in ${eventNames(included).join(', ')}`);
  return found.fields;
}

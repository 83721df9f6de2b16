// An account's balances, in planck: free, held (`reserved`, all holds), one pallet's hold for
// one reason, and the total it owns.

import type { ApiPromise } from '@polkadot/api';

/** The free balance of `who`, at the best block or at block `at`. */
export async function free(api: ApiPromise, who: string, at?: string): Promise<bigint> {
  const apiAt = at ? await api.at(at) : api;
  return (await apiAt.query.system.account(who)).data.free.toBigInt();
}

/** Everything held from `who` (every pallet, every reason). */
export async function reserved(api: ApiPromise, who: string): Promise<bigint> {
  return (await api.query.system.account(who)).data.reserved.toBigInt();
}

/** Free plus held: what `who` owns. */
export async function total(api: ApiPromise, who: string): Promise<bigint> {
  const { data } = await api.query.system.account(who);
  return data.free.toBigInt() + data.reserved.toBigInt();
}

/**
 * What `pallet` (its name in the runtime's hold reason, camel case: `billing`, `records`, …)
 * holds from `who` for `reason` (`Escrow`, `ConsultationDeposit`, `PatientDeposit`, …).
 */
export async function held(api: ApiPromise, who: string, pallet: string, reason: string): Promise<bigint> {
  const holds = (await api.query.balances.holds(who)).toJSON() as
    { id: Record<string, string | undefined>; amount: number | string }[];
  return holds.filter((h) => h.id[pallet] === reason).reduce((sum, h) => sum + BigInt(h.amount), 0n);
}

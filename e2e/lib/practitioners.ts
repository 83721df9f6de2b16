// A physician of the suite's own: suites that share a node do not use the dev chain's demo
// physician (//Bob) as an actor, since his balance and nonces would be shared with every other
// suite; each registers and licenses a fresh one.

import type { ApiPromise } from '@polkadot/api';
import { blake2AsU8a } from '@polkadot/util-crypto';
import { funded } from './funding.ts';
import { dev, type KeyringPair } from './keyring.ts';
import { chainNow, submitOk } from './tx.ts';
import { DAY, UNITS } from './units.ts';

/**
 * A fresh account funded with `amount`, registered as a physician with `keyAgreementKey` (an
 * X25519 public key) and licensed in `FR` for a year by the demo licensing authority (//Ferdie).
 */
export async function licensedPhysician(
  api: ApiPromise,
  keyAgreementKey: Uint8Array,
  amount = 100n * UNITS,
): Promise<KeyringPair> {
  const physician = await funded(api, amount);
  await submitOk(api, api.tx.practitioners.register('Physician Demo', ['Physician'], [], keyAgreementKey), physician);
  const now = await chainNow(api);
  await submitOk(api, api.tx.practitioners.issueLicence(
    physician.address, 'FR', 'Physician', null, blake2AsU8a(`salt|${physician.address}`), blake2AsU8a('evidence'),
    now, now + 365 * DAY, false), dev('Ferdie'));
  return physician;
}

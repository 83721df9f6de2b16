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
 * A fresh account funded with `amount`, registered as a practitioner of `role` with
 * `keyAgreementKey` (an X25519 public key) and licensed for `role` in `FR` for a year by the
 * demo licensing authority (//Ferdie).
 */
export async function licensedPractitioner(
  api: ApiPromise,
  keyAgreementKey: Uint8Array,
  role: 'Physician' | 'Pharmacist' | 'Nurse' = 'Physician',
  amount = 100n * UNITS,
): Promise<KeyringPair> {
  const practitioner = await funded(api, amount);
  await submitOk(api, api.tx.practitioners.register(`${role} Demo`, [role], [], keyAgreementKey), practitioner);
  const now = await chainNow(api);
  await submitOk(api, api.tx.practitioners.issueLicence(
    practitioner.address, 'FR', role, null, blake2AsU8a(`salt|${practitioner.address}`), blake2AsU8a('evidence'),
    now, now + 365 * DAY, false), dev('Ferdie'));
  return practitioner;
}

/** {@link licensedPractitioner} as a physician. */
export async function licensedPhysician(
  api: ApiPromise,
  keyAgreementKey: Uint8Array,
  amount = 100n * UNITS,
): Promise<KeyringPair> {
  return licensedPractitioner(api, keyAgreementKey, 'Physician', amount);
}

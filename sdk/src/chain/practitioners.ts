/**
 * The practitioners pallet, as far as the flows need it: a practitioner's published
 * key-agreement key and licence status; and the key any grantee publishes.
 *
 * @module
 */

import { toHex } from '../bytes.ts';
import type { Account, Signer, TelemedChain } from './client.ts';
import { NotFoundError } from './errors.ts';
import { patient } from './records.ts';
import { send, type Included } from './tx.ts';
import { bytes } from './types.ts';

/** A practitioner's published X25519 key-agreement key, or null if not a practitioner. */
export async function practitionerKey(chain: TelemedChain, who: Account): Promise<Uint8Array | null> {
  const json = (await chain.api.query.practitioners!.practitioners!(chain.address(who))).toJSON() as
    { keyAgreementKey: string } | null;
  return json && bytes(json.keyAgreementKey);
}

/** `PractitionersApi.licence_status` as JSON (`'Licensed'`, `'Suspended'`…). */
export async function licenceStatus(chain: TelemedChain, who: Account): Promise<unknown> {
  return (await chain.api.call.practitionersApi!.licenceStatus!(chain.address(who))).toJSON();
}

/**
 * The key-agreement key envelopes for `who` are sealed to: a patient's registered key, else a
 * practitioner's published key (the runtime looks them up in the same order).
 *
 * @throws {@link NotFoundError} if `who` has published none (the chain would say
 *   `records.NoKeyAgreementKey`)
 */
export async function keyAgreementKeyOf(chain: TelemedChain, who: Account): Promise<Uint8Array> {
  const asPatient = await patient(chain, who);
  if (asPatient) return asPatient.key;
  const asPractitioner = await practitionerKey(chain, who);
  if (asPractitioner) return asPractitioner;
  throw new NotFoundError(`${chain.address(who)} has published no key-agreement key`);
}

/** `practitioners.rotateKeyAgreementKey(newKey)`: a practitioner publishes a new key. */
export async function rotateKeyAgreementKey(chain: TelemedChain, signer: Signer, newKey: Uint8Array): Promise<Included> {
  return send(chain, chain.api.tx.practitioners!.rotateKeyAgreementKey!(toHex(newKey)), signer);
}

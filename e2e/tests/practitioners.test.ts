// Doctor identity end to end: a practitioner registers, the demo licensing authority licenses
// them, a dApp reads the licence status through the runtime API, and the status changes the
// moment the licence expires or is revoked. Runs on the shared node, with a nurse of its own.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import '@polkadot/api-augment';
import type { ApiPromise } from '@polkadot/api';
import { blake2AsU8a } from '@polkadot/util-crypto';
import { reserved } from '../lib/balances.ts';
import { startDevChain, stopDevChain, type DevChain } from '../lib/chain.ts';
import { funded } from '../lib/funding.ts';
import { dev, type KeyringPair } from '../lib/keyring.ts';
import { generateRecoveryPhrase, KeyRing } from '../lib/sdk.ts';
import { waitFor } from '../lib/node.ts';
import { chainNow, submit, submitOk } from '../lib/tx.ts';
import { DAY, UNITS } from '../lib/units.ts';

interface Status {
  registered: boolean;
  licensed: boolean;
  emergencyAccess: boolean;
  validLicences: number;
  keyAgreementKey: string | null;
}

interface LicenceView {
  id: number;
  standing: string;
  licence: { holder: string; authority: string; jurisdiction: string; status: string; expiresAt: number };
}

async function licenceStatus(api: ApiPromise, who: string): Promise<Status> {
  return (await api.call.practitionersApi.licenceStatus(who)).toJSON() as unknown as Status;
}

async function licences(api: ApiPromise, who: string): Promise<LicenceView[]> {
  return (await api.call.practitionersApi.licences(who)).toJSON() as unknown as LicenceView[];
}

describe('practitioners', () => {
  let chain: DevChain | undefined;
  let api: ApiPromise;
  let board: KeyringPair;
  let nurse: KeyringPair;
  // A real X25519 public key (the SDK's, from the nurse's own recovery phrase): the chain refuses
  // random bytes that are not a canonical point.
  const keyAgreementKey = KeyRing.fromRecoveryPhrase(generateRecoveryPhrase()).keyAgreement(0).publicKey;

  before(async () => {
    chain = await startDevChain({ shared: true });
    api = chain.api;
    board = dev('Ferdie'); // the dev chain's "Demo Medical Board"
    nurse = await funded(api, 100n * UNITS);
  });

  after(async () => {
    await stopDevChain(chain);
  });

  test('the runtime API is in the metadata and the dev chain has a licensed demo physician', async () => {
    const apis = api.runtimeMetadata.asLatest.apis.map((a) => a.name.toString());
    assert.ok(apis.includes('PractitionersApi'), apis.join(', '));
    const bob = dev('Bob').address;
    const status = await licenceStatus(api, bob);
    assert.equal(status.registered, true);
    assert.equal(status.licensed, true);
    assert.equal(status.emergencyAccess, true);
  });

  test('a practitioner registers with a deposit and a key-agreement key', async () => {
    const before = await reserved(api, nurse.address);
    const { events } = await submitOk(api, api.tx.practitioners.register(
      'Nurse Demo', ['Nurse'], [], keyAgreementKey), nurse);
    assert.ok(events.includes('practitioners.PractitionerRegistered'), events.join(', '));
    const after = await reserved(api, nurse.address);
    const deposit = BigInt(api.consts.practitioners.registrationDeposit.toString());
    assert.equal(after - before, deposit);

    const status = await licenceStatus(api, nurse.address);
    assert.equal(status.registered, true);
    assert.equal(status.licensed, false, 'registered is not licensed');
    assert.equal(status.keyAgreementKey, `0x${Buffer.from(keyAgreementKey).toString('hex')}`);
  });

  test('an account that is not an accredited authority cannot license, and nothing changes', async () => {
    const outsider = dev('Dave');
    const now = await chainNow(api);
    const { error } = await submit(api, api.tx.practitioners.issueLicence(
      nurse.address, 'FR', 'Nurse', null, blake2AsU8a('salt|number'), blake2AsU8a('evidence'),
      now, now + 365 * DAY, false), outsider);
    assert.equal(error, 'practitioners.UnknownAuthority');
    assert.deepEqual(await licences(api, nurse.address), []);
  });

  test('a licence counts until it expires, with nothing sweeping storage', async () => {
    const now = await chainNow(api);
    const expiresAt = now + 30_000;
    const { events } = await submitOk(api, api.tx.practitioners.issueLicence(
      nurse.address, 'FR', 'Nurse', null, blake2AsU8a('salt|FR-1'), blake2AsU8a('evidence'),
      now, expiresAt, false), board);
    assert.ok(events.includes('practitioners.LicenceIssued'), events.join(', '));

    let status = await licenceStatus(api, nurse.address);
    assert.equal(status.licensed, true);
    assert.equal(status.validLicences, 1);
    const [view] = await licences(api, nurse.address);
    assert.equal(view.standing, 'Valid');
    assert.equal(view.licence.expiresAt, expiresAt);

    await waitFor(async () => (await chainNow(api)) >= expiresAt, 90_000, 'the chain clock to pass the expiry');
    status = await licenceStatus(api, nurse.address);
    assert.equal(status.licensed, false);
    assert.equal((await licences(api, nurse.address))[0].standing, 'Expired');
  });

  test('a revoked licence stops counting at once and cannot be renewed', async () => {
    const now = await chainNow(api);
    await submitOk(api, api.tx.practitioners.issueLicence(
      nurse.address, 'GB-ENG', 'Nurse', null, blake2AsU8a('salt|GB-1'), blake2AsU8a('evidence'),
      now, now + 365 * DAY, false), board);
    const live = (await licences(api, nurse.address)).find((l) => l.standing === 'Valid');
    assert.ok(live, 'a valid licence');
    assert.equal((await licenceStatus(api, nurse.address)).licensed, true);

    const { events } = await submitOk(api, api.tx.practitioners.revokeLicence(live.id, blake2AsU8a('decision')), board);
    assert.ok(events.includes('practitioners.LicenceRevoked'), events.join(', '));
    assert.equal((await licenceStatus(api, nurse.address)).licensed, false);
    const revoked = (await licences(api, nurse.address)).find((l) => l.id === live.id);
    assert.equal(revoked?.standing, 'Revoked');

    const { error } = await submit(api, api.tx.practitioners.renewLicence(live.id, now + 2 * 365 * DAY, null), board);
    assert.equal(error, 'practitioners.LicenceRevoked');
  });
});

/**
 * A whole key service: the chain connection (the SDK's client), the service account's keys and
 * the {@link KeyService}, started and stopped together.
 *
 * @module
 */

import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { KeyRing, type Actor, type TelemedChain } from '@telemed/sdk';
import { connectChain } from '../chain.ts';
import type { Logger } from '../log.ts';
import { SdkKeyServiceChain } from './chain.ts';
import type { KeyServiceConfig } from './config.ts';
import { KeyService } from './service.ts';

/** A running key service. */
export interface RunningKeyService {
  /** The service's account (SS58): what a patient appoints as emergency custodian. */
  account: string;
  /** Its key-agreement public key (what patients' envelopes to it are sealed to). */
  publicKey: Uint8Array;
  /** The service. */
  service: KeyService;
  /** Stops following blocks, waits for the work under way, closes its own connection. */
  stop(): Promise<void>;
}

/**
 * Starts the key service from `config` (registering its key if missing, scanning, following).
 * `chain` replaces the connection it would make (a test sharing one).
 */
export async function startKeyService(config: KeyServiceConfig, log: Logger, chain?: TelemedChain): Promise<RunningKeyService> {
  await cryptoWaitReady();
  const signer = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri(config.signingSeed);
  const keys = KeyRing.fromRecoveryPhrase(config.recoveryPhrase);
  const custodian: Actor = { signer, keys, keyVersion: 0 };
  const connected = chain ?? (await connectChain(config.nodeWs));
  try {
    const publicKey = keys.keyAgreement(0).publicKey;
    const service = new KeyService(new SdkKeyServiceChain(connected, custodian), publicKey, log, {
      maxAttempts: config.maxAttempts, patients: config.patients, maxPerEmergency: config.maxPerEmergency,
      maxPerPatientPerDay: config.maxPerPatientPerDay, balanceFloor: config.balanceFloor, rescanBlocks: config.rescanBlocks,
    });
    if (!config.patients) log.warn('keyservice.serving_everyone', { reason: 'KEYSERVICE_PATIENTS unset: any patient may appoint the service' });
    await service.start();
    return {
      account: signer.address,
      publicKey,
      service,
      async stop() {
        await service.stop();
        if (!chain) await connected.disconnect();
        log.info('keyservice.stopped', {});
      },
    };
  } catch (e) {
    if (!chain) await connected.disconnect().catch(() => {});
    throw e;
  }
}

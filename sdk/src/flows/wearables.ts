/**
 * Wearable flows: the patient names a device, the device confirms, then anchors batches of
 * readings: Merkle root over the samples → encrypt the batch (content format 1) → store →
 * `records.anchorBatch` from the device's own account → the batch's data key sealed to the
 * patient. The patient opens a batch, checks it against the anchor, and proves one sample to
 * anyone with {@link SampleBatch.proof} / {@link verifySampleProof}.
 *
 * The chain keeps only each device's latest anchor in state (every anchor is in its block and
 * `BatchAnchored` event); what the patient needs to find and open a batch is the
 * {@link BatchReceipt}, which holds nothing readable without the patient's key.
 *
 * @module
 */

import {
  batchKeyVersion,
  encodeBatch,
  openBatchKey,
  parseBatch,
  sealBatchKey,
  SampleBatch,
  type BatchKeyBinding,
  type Sample,
} from '../batch.ts';
import type { Account, Signer } from '../chain/client.ts';
import { NotFoundError } from '../chain/errors.ts';
import * as records from '../chain/records.ts';
import type { Included } from '../chain/tx.ts';
import { decryptContent, encryptContent, newDataKey } from '../content.ts';
import { equalBytes } from '../bytes.ts';
import { MismatchError } from '../errors.ts';
import { openLocator, sealLocator } from '../locator.ts';
import { tagOf } from '../tags.ts';
import { secretKeyFor, type Actor, type FlowContext } from './context.ts';

/**
 * The 32-byte label hash `registerDevice` puts on chain for the patient's name of a device: a
 * blinded tag (`tagOf(tagKey, "device/" + name)`), so the name stays off chain and cannot be
 * guessed from the hash.
 */
export function deviceLabelOf(tagKey: Uint8Array, name: string): Uint8Array {
  return tagOf(tagKey, `device/${name}`);
}

/**
 * The patient names `device` (`records.registerDevice`, the deposit held) and the device
 * confirms with its own signature (`records.confirmDevice`).
 *
 * @throws `DispatchError` (`records.DeviceExists`, `records.DeviceIsPatient`,
 *   `records.TooManyDevices`…)
 */
export async function pairDevice(ctx: FlowContext, patient: Actor, device: Signer, label: Uint8Array): Promise<Included> {
  await records.registerDevice(ctx.chain, patient.signer, device.address, label);
  return records.confirmDevice(ctx.chain, device, patient.signer.address);
}

/** What the patient needs to find and open an anchored batch (nothing in it is readable without the patient's key). */
export interface BatchReceipt {
  /** The device's account (SS58). */
  device: string;
  /** The patient's account (SS58). */
  patient: string;
  /** The anchor as the chain stored it. */
  anchor: records.BatchAnchor;
  /** The patient's key the batch key is sealed to (their registered key then). */
  sealedTo: Uint8Array;
  /** The batch's data key sealed to the patient (82 bytes, FORMATS.md "Sealed batch key"). */
  sealedKey: Uint8Array;
  /** The blob's locator sealed under the data key (FORMATS.md "Sealed locator"). */
  sealedLocator: Uint8Array;
}

/** The binding of a batch's sealed key. */
export function batchBinding(ctx: FlowContext, device: Account, patient: Account, seq: bigint): BatchKeyBinding {
  return { genesisHash: ctx.chain.genesisHash, device: ctx.chain.accountId(device), patient: ctx.chain.accountId(patient), seq };
}

/**
 * The device's side: builds the Merkle root over `samples`, encrypts the batch under a fresh
 * data key and stores it, anchors it (`records.anchorBatch(seq, root, count, from, to)`, signed
 * by the device) and seals the data key to the patient's registered key. If the chain refuses
 * the anchor, the stored blob is deleted again.
 *
 * @param seq - the batch's sequence number (above the device's last one)
 * @throws `DispatchError` (`records.SequenceNotIncreasing`, `records.UnknownDevice`,
 *   `records.DeviceRetired`…); `NotFoundError` if the patient is not registered;
 *   `FormatError` for an empty or oversize batch
 */
export async function anchorSamples(
  ctx: FlowContext,
  device: Signer,
  patient: Account,
  seq: bigint,
  samples: readonly Sample[],
): Promise<BatchReceipt & { batch: SampleBatch }> {
  const registered = await records.patient(ctx.chain, patient);
  if (!registered) throw new NotFoundError(`${ctx.chain.address(patient)} is not a registered patient`);
  const batch = SampleBatch.build(samples);
  const dataKey = newDataKey();
  const { ciphertext } = encryptContent(dataKey, encodeBatch(seq, batch));
  const locator = await ctx.store.put(ciphertext);
  let anchor: records.BatchAnchor;
  try {
    anchor = await records.anchorBatch(ctx.chain, device, { seq, root: batch.root, samples: batch.count, from: batch.from, to: batch.to });
  } catch (e) {
    await ctx.store.delete(locator);
    throw e;
  }
  // The key version of the patient's published key is not on chain: 0 (a key ring opens any).
  const sealedKey = await sealBatchKey(dataKey, registered.key, 0, batchBinding(ctx, device.address, patient, seq));
  return {
    device: ctx.chain.address(device.address),
    patient: ctx.chain.address(patient),
    anchor,
    sealedTo: registered.key,
    sealedKey,
    sealedLocator: sealLocator(dataKey, locator),
    batch,
  };
}

/** What {@link openBatch} returns. */
export interface OpenedBatch {
  /** The batch with its tree: `batch.samples`, `batch.proof(i)`. */
  batch: SampleBatch;
  /** The unsealed locator. */
  locator: string;
}

/**
 * The patient's side: opens the batch key, fetches and decrypts the batch, and checks it against
 * the anchor: the same sequence number, root, count and window (and, while it is the device's
 * latest, the anchor in state).
 *
 * @throws `DecryptionError` (another patient, device, sequence number or chain); `MismatchError`
 *   (`batch`: the blob or the receipt does not match the chain's anchor); `BlobNotFoundError`
 */
export async function openBatch(ctx: FlowContext, patient: Actor, receipt: BatchReceipt): Promise<OpenedBatch> {
  const { anchor } = receipt;
  const latest = await records.latestBatch(ctx.chain, receipt.device);
  if (latest && latest.seq === anchor.seq && !(equalBytes(latest.root, anchor.root) && latest.samples === anchor.samples)) {
    throw new MismatchError('batch', 'the receipt is not the anchor the chain keeps for this sequence number');
  }
  batchKeyVersion(receipt.sealedKey);
  const secretKey = secretKeyFor(patient, receipt.sealedTo, receipt.sealedKey);
  const dataKey = await openBatchKey(receipt.sealedKey, secretKey, batchBinding(ctx, receipt.device, patient.signer.address, anchor.seq));
  const locator = openLocator(dataKey, receipt.sealedLocator);
  const { seq, batch } = parseBatch(decryptContent(dataKey, await ctx.store.get(locator)).resource);
  if (seq !== anchor.seq || !equalBytes(batch.root, anchor.root) || batch.count !== anchor.samples
    || batch.from !== anchor.from || batch.to !== anchor.to) {
    throw new MismatchError('batch', 'the batch does not match its anchor');
  }
  return { batch, locator };
}

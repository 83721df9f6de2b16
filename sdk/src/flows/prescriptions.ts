/**
 * E-prescription flows. The prescriber encrypts the content (medication, dose, quantity) under
 * a fresh data key, stores the ciphertext, and issues the prescription with the salted
 * commitment, the key sealed to the patient (data key, dispense seed, locator) and one secret
 * hash per fill. The patient opens it from the chain and the store and, at the pharmacy, shows
 * a dispense token (a QR code) for the next fill. The pharmacist checks the token against the
 * chain (the content against the commitment, the secret against the next fill's hash, the
 * prescription's standing) and dispenses with the secret, which the chain then never accepts
 * again.
 *
 * @module
 */

import { equalBytes } from '../bytes.ts';
import type { Account, Signer } from '../chain/client.ts';
import { ChainError, NotFoundError } from '../chain/errors.ts';
import { keyAgreementKeyOf } from '../chain/practitioners.ts';
import * as prescriptions from '../chain/prescriptions.ts';
import { commitmentOf, decryptAnchoredContent, decryptContent, encryptContent, newDataKey } from '../content.ts';
import { MismatchError, OversizeError } from '../errors.ts';
import { KeyRing } from '../keys.ts';
import {
  decodeDispenseToken,
  dispenseHashes,
  dispenseSecret,
  dispenseSecretHash,
  encodeDispenseToken,
  MAX_DISPENSE_CONTENT_LENGTH,
  newDispenseSeed,
  openPrescriptionKey,
  sealedPrescriptionKeyVersion,
  sealPrescriptionKey,
  type DispenseToken,
  type PrescriptionBinding,
} from '../prescription.ts';
import type { Actor, FlowContext } from './context.ts';

/** What a prescriber orders besides the content. */
export interface PrescriptionOrder {
  /** How many fills it allows in all (an amendment: fills made included). */
  fills: number;
  /** When it stops being dispensable (ms, chain time). */
  expiresAt: number;
  /** A controlled substance (default false). */
  controlled?: boolean;
  /** The key version of the patient's registered key (default 0). */
  patientKeyVersion?: number;
}

/** What {@link issuePrescription} and {@link amendPrescription} anchored. */
export interface Prescribed {
  /** The new version's id. */
  id: prescriptions.PrescriptionId;
  /** The salted commitment to the content. */
  commitment: Uint8Array;
  /** Where the ciphertext is (unsealed). */
  locator: string;
}

/** A prescription as the patient opened it. */
export interface OpenedPrescription {
  /** As stored on chain. */
  stored: prescriptions.StoredPrescription;
  /** What is prescribed. */
  content: Uint8Array;
  /** The commitment salt. */
  salt: Uint8Array;
  /** The seed of this version's dispense secrets. */
  dispenseSeed: Uint8Array;
  /** The next fill's number, or null when every fill is made. */
  nextFill: number | null;
}

/** Why a pharmacist's check of a dispense token failed ({@link DispenseTokenError}). */
export type DispenseTokenProblem =
  | 'OtherChain'
  | 'UnknownPrescription'
  | 'ContentMismatch'
  | 'FillAlreadyMade'
  | 'NotTheNextFill'
  | 'WrongSecret'
  | 'TooEarly'
  | prescriptions.PrescriptionStanding;

/** A dispense token does not match the chain: nothing was sent. */
export class DispenseTokenError extends ChainError {
  /** What is wrong. */
  readonly problem: DispenseTokenProblem;

  /** @param problem - what is wrong */
  constructor(problem: DispenseTokenProblem) {
    super(`the dispense token does not match the chain: ${problem}`);
    this.problem = problem;
  }
}

/** A token the pharmacist checked against the chain. */
export interface CheckedToken {
  /** The decoded token. */
  token: DispenseToken;
  /** The prescription's view (standing, fills, times). */
  view: prescriptions.PrescriptionView;
}

function binding(ctx: FlowContext, patient: Account, prescriber: Account, commitment: Uint8Array): PrescriptionBinding {
  return {
    genesisHash: ctx.chain.genesisHash,
    patient: ctx.chain.accountId(patient),
    prescriber: ctx.chain.accountId(prescriber),
    commitment,
  };
}

/**
 * Encrypts `content`, stores it, seals the key to the patient and anchors the terms; the store
 * is cleaned up if the chain refuses.
 */
async function prescribe(
  ctx: FlowContext,
  prescriber: Actor,
  patient: Account,
  content: Uint8Array,
  order: PrescriptionOrder,
  firstFill: number,
  anchor: (terms: prescriptions.PrescriptionTerms) => Promise<prescriptions.PrescriptionId>,
): Promise<Prescribed> {
  if (content.length > MAX_DISPENSE_CONTENT_LENGTH) {
    throw new OversizeError('prescription', `the content has at most ${MAX_DISPENSE_CONTENT_LENGTH} bytes (a dispense token carries it)`);
  }
  const patientKey = await keyAgreementKeyOf(ctx.chain, patient);
  const dataKey = newDataKey();
  const dispenseSeed = newDispenseSeed();
  const encrypted = encryptContent(dataKey, content);
  const locator = await ctx.store.put(encrypted.ciphertext);
  try {
    const sealed = await sealPrescriptionKey(
      { dataKey, dispenseSeed, locator },
      patientKey,
      order.patientKeyVersion ?? 0,
      binding(ctx, patient, prescriber.signer.address, encrypted.commitment),
    );
    const id = await anchor({
      commitment: encrypted.commitment,
      ciphertextHash: encrypted.ciphertextHash,
      locator: sealed,
      fills: order.fills,
      expiresAt: order.expiresAt,
      controlled: order.controlled ?? false,
      dispenseHashes: dispenseHashes(dispenseSeed, firstFill, Math.max(0, order.fills - firstFill + 1)),
    });
    return { id, commitment: encrypted.commitment, locator };
  } catch (e) {
    await ctx.store.delete(locator);
    throw e;
  }
}

/**
 * The prescriber issues a prescription of `content` (at most 2,048 bytes, e.g. a FHIR
 * MedicationRequest) for `patient` (registered: the key is sealed to their registered key).
 *
 * @throws `NotFoundError` (the patient published no key); `DispatchError`
 *   (`prescriptions.NotPrescriber`, `ValidityTooLong`…); `OversizeError`; `BlobStoreError`
 */
export async function issuePrescription(
  ctx: FlowContext,
  prescriber: Actor,
  patient: Account,
  content: Uint8Array,
  order: PrescriptionOrder,
): Promise<Prescribed> {
  return prescribe(ctx, prescriber, patient, content, order, 1, (terms) =>
    prescriptions.issue(ctx.chain, prescriber.signer, patient, terms));
}

/**
 * The prescriber amends open prescription `id`: a new version with `content`, allowing
 * `order.fills` in all (fills made included), with new secrets for the fills to come; the old
 * version can no longer be dispensed.
 *
 * @throws `NotFoundError` (no open prescription `id`); as {@link issuePrescription}
 *   (`prescriptions.FillsNotAboveUsed`…)
 */
export async function amendPrescription(
  ctx: FlowContext,
  prescriber: Actor,
  id: prescriptions.PrescriptionId,
  content: Uint8Array,
  order: PrescriptionOrder,
): Promise<Prescribed> {
  const current = await prescriptions.stored(ctx.chain, id);
  if (!current) throw new NotFoundError(`no open prescription ${id}`);
  return prescribe(ctx, prescriber, current.patient, content, order, current.fillsUsed + 1, (terms) =>
    prescriptions.amend(ctx.chain, prescriber.signer, id, terms));
}

/**
 * The patient opens open prescription `id`: the sealed key from the chain (with the key of
 * the version it names), the content from the store, checked against the commitment.
 *
 * @throws `NotFoundError` (no open prescription `id`); `DecryptionError` (not sealed to this
 *   patient's key, or changed); `MismatchError` (the blob is not the ciphertext the chain
 *   keeps the hash of, or the content is not what it commits to);
 *   `BlobStoreError`
 */
export async function openPrescription(ctx: FlowContext, patient: Actor, id: prescriptions.PrescriptionId): Promise<OpenedPrescription> {
  const stored = await prescriptions.stored(ctx.chain, id);
  if (!stored) throw new NotFoundError(`no open prescription ${id}`);
  const keyVersion = sealedPrescriptionKeyVersion(stored.locator);
  const secretKey = patient.keys instanceof KeyRing ? patient.keys.keyAgreement(keyVersion).secretKey : patient.keys.secretKey;
  const key = await openPrescriptionKey(stored.locator, secretKey, binding(ctx, stored.patient, stored.prescriber, stored.commitment));
  const blob = await ctx.store.get(key.locator);
  // A version issued before the chain kept the ciphertext's hash is checked by its commitment only.
  const opened = stored.ciphertextHash
    ? decryptAnchoredContent(key.dataKey, blob, { commitment: stored.commitment, ciphertextHash: stored.ciphertextHash })
    : decryptContent(key.dataKey, blob);
  if (!equalBytes(opened.commitment, stored.commitment)) {
    throw new MismatchError('commitment', 'the content differs from the prescription\'s commitment');
  }
  return {
    stored,
    content: opened.resource,
    salt: opened.salt,
    dispenseSeed: key.dispenseSeed,
    nextFill: stored.fillsUsed < stored.fillsAllowed ? stored.fillsUsed + 1 : null,
  };
}

/**
 * The dispense token the patient shows for `fill` (default: the next one), encoded.
 *
 * @throws `RangeError` for a fill that is not one of this version's fills to come
 */
export function dispenseTokenFor(ctx: FlowContext, opened: OpenedPrescription, fill = opened.nextFill ?? 0): Uint8Array {
  const { stored } = opened;
  if (!Number.isInteger(fill) || fill <= stored.fillsUsed || fill > stored.fillsAllowed) {
    throw new RangeError(`fill ${fill} is not one to come (${stored.fillsUsed} of ${stored.fillsAllowed} made)`);
  }
  return encodeDispenseToken({
    genesisHash: ctx.chain.genesisHash,
    prescription: stored.id,
    fill,
    secret: dispenseSecret(opened.dispenseSeed, fill),
    salt: opened.salt,
    content: opened.content,
  });
}

/**
 * The pharmacist checks a dispense token against the chain before dispensing: this chain, an
 * open prescription, the content against its commitment, the fill is the next one and its
 * secret has the next fill's hash, the prescription is dispensable now (and, for a controlled
 * substance, past its refill interval). The consent a controlled substance needs is the
 * chain's to check at dispensing.
 *
 * @throws {@link DispenseTokenError} with the problem; format errors for a malformed token
 */
export async function checkDispenseToken(ctx: FlowContext, encoded: Uint8Array): Promise<CheckedToken> {
  const token = decodeDispenseToken(encoded);
  if (!equalBytes(token.genesisHash, ctx.chain.genesisHash)) throw new DispenseTokenError('OtherChain');
  const [stored, view] = await Promise.all([
    prescriptions.stored(ctx.chain, token.prescription),
    prescriptions.view(ctx.chain, token.prescription),
  ]);
  if (!stored || !view) throw new DispenseTokenError('UnknownPrescription');
  if (!equalBytes(stored.commitment, commitmentOf(token.salt, token.content))) throw new DispenseTokenError('ContentMismatch');
  const hash = dispenseSecretHash(token.secret);
  if (token.fill <= stored.fillsUsed || stored.spent.some((s) => equalBytes(s, hash))) {
    throw new DispenseTokenError('FillAlreadyMade');
  }
  if (token.fill !== stored.fillsUsed + 1) throw new DispenseTokenError('NotTheNextFill');
  const expected = stored.dispenseHashes[stored.fillsUsed - stored.carried];
  if (!expected || !equalBytes(expected, hash)) throw new DispenseTokenError('WrongSecret');
  if (view.standing !== 'Dispensable') throw new DispenseTokenError(view.standing);
  if (view.nextFillNotBefore !== null) throw new DispenseTokenError('TooEarly');
  return { token, view };
}

/**
 * The pharmacist checks the token ({@link checkDispenseToken}) and dispenses the fill with its
 * secret (`prescriptions.dispense`).
 *
 * @throws as {@link checkDispenseToken}; `DispatchError` (`prescriptions.NotPharmacist`,
 *   `NoConsent`…)
 */
export async function dispenseWithToken(
  ctx: FlowContext,
  pharmacist: { signer: Signer },
  encoded: Uint8Array,
): Promise<prescriptions.Fill & CheckedToken> {
  const checked = await checkDispenseToken(ctx, encoded);
  const fill = await prescriptions.dispense(ctx.chain, pharmacist.signer, checked.token.prescription, checked.token.secret);
  return { ...fill, ...checked };
}

// E-prescriptions without a node: the sealed prescription key (bindings, every flipped bit, bad
// input), the dispense secrets, the dispense token (bad input), and the patient's and the
// pharmacist's checks against a fake chain: a token from another chain, for a closed
// prescription, with changed content, a spent or future fill, a wrong secret, a flagged or
// too-early prescription is refused before anything is sent.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeAddress } from '@polkadot/util-crypto';

import {
  type Actor,
  checkDispenseToken,
  commitmentOf,
  decodeDispenseToken,
  DecryptionError,
  DISPENSE_TOKEN_HEADER_LENGTH,
  dispenseHashes,
  dispenseSecret,
  dispenseSecretHash,
  DispenseTokenError,
  dispenseTokenFor,
  encodeDispenseToken,
  encryptContent,
  type FlowContext,
  MalformedError,
  MAX_DISPENSE_CONTENT_LENGTH,
  MAX_PRESCRIPTION_LOCATOR_LENGTH,
  MAX_SEALED_PRESCRIPTION_KEY_LENGTH,
  MemoryBlobStore,
  MismatchError,
  newDataKey,
  NotFoundError,
  openPrescription,
  openPrescriptionKey,
  OversizeError,
  type PrescriptionBinding,
  sealPrescriptionKey,
  type Signer,
  type TelemedChain,
  toHex,
  TruncatedError,
  UnknownVersionError,
  utf8,
} from '../src/index.ts';
import { counting, flip, keyPair } from './helpers.ts';

const GENESIS = counting(32, 0x20);
const PATIENT = `0x${'a1'.repeat(32)}`;
const PRESCRIBER = `0x${'b0'.repeat(32)}`;
const patientKeys = keyPair(7);
const CONTENT = utf8('{"resourceType":"MedicationRequest","medicationCodeableConcept":{"text":"Example 5 mg"}}');

function binding(commitment = counting(32, 0x33)): PrescriptionBinding {
  return { genesisHash: GENESIS, patient: decodeAddress(PATIENT), prescriber: decodeAddress(PRESCRIBER), commitment };
}

const KEY = { dataKey: counting(32, 0x55), dispenseSeed: counting(32, 0xb0), locator: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy' };

describe('the sealed prescription key', () => {
  test('opens for the patient with the same binding, not for another key or binding', async () => {
    const sealed = await sealPrescriptionKey(KEY, patientKeys.publicKey, 0, binding());
    assert.ok(sealed.length <= MAX_SEALED_PRESCRIPTION_KEY_LENGTH);
    const opened = await openPrescriptionKey(sealed, patientKeys.secretKey, binding());
    assert.deepEqual([toHex(opened.dataKey), toHex(opened.dispenseSeed), opened.locator], [toHex(KEY.dataKey), toHex(KEY.dispenseSeed), KEY.locator]);
    await assert.rejects(openPrescriptionKey(sealed, keyPair(8).secretKey, binding()), DecryptionError);
    for (const field of ['genesisHash', 'patient', 'prescriber', 'commitment'] as const) {
      const other = { ...binding(), [field]: flip(binding()[field], 0) };
      await assert.rejects(openPrescriptionKey(sealed, patientKeys.secretKey, other), DecryptionError, field);
    }
  });

  test('every flipped bit is refused', async () => {
    const sealed = await sealPrescriptionKey(KEY, patientKeys.publicKey, 0, binding());
    for (let i = 1; i < sealed.length; i++) {
      await assert.rejects(openPrescriptionKey(flip(sealed, i, i % 8), patientKeys.secretKey, binding()), DecryptionError, `byte ${i}`);
    }
    await assert.rejects(openPrescriptionKey(flip(sealed, 0), patientKeys.secretKey, binding()), UnknownVersionError);
  });

  test('bad input: a locator at and past its bound, empty; wrong sizes; truncated, oversize, empty', async () => {
    const atBound = { ...KEY, locator: 'x'.repeat(MAX_PRESCRIPTION_LOCATOR_LENGTH) };
    const sealed = await sealPrescriptionKey(atBound, patientKeys.publicKey, 0, binding());
    assert.equal(sealed.length, MAX_SEALED_PRESCRIPTION_KEY_LENGTH);
    assert.equal((await openPrescriptionKey(sealed, patientKeys.secretKey, binding())).locator, atBound.locator);
    await assert.rejects(sealPrescriptionKey({ ...KEY, locator: 'x'.repeat(MAX_PRESCRIPTION_LOCATOR_LENGTH + 1) }, patientKeys.publicKey, 0, binding()), OversizeError);
    await assert.rejects(sealPrescriptionKey({ ...KEY, locator: '' }, patientKeys.publicKey, 0, binding()), MalformedError);
    await assert.rejects(sealPrescriptionKey({ ...KEY, dataKey: counting(31) }, patientKeys.publicKey, 0, binding()), MalformedError);
    await assert.rejects(sealPrescriptionKey({ ...KEY, dispenseSeed: counting(33) }, patientKeys.publicKey, 0, binding()), MalformedError);
    await assert.rejects(sealPrescriptionKey(KEY, new Uint8Array(32), 0, binding()), MalformedError);
    await assert.rejects(sealPrescriptionKey(KEY, patientKeys.publicKey, 0, { ...binding(), commitment: counting(31) }), MalformedError);
    await assert.rejects(sealPrescriptionKey(KEY, patientKeys.publicKey, 256, binding()), RangeError);
    await assert.rejects(openPrescriptionKey(new Uint8Array(), patientKeys.secretKey, binding()), TruncatedError);
    await assert.rejects(openPrescriptionKey(sealed.subarray(0, 114), patientKeys.secretKey, binding()), TruncatedError);
    await assert.rejects(openPrescriptionKey(new Uint8Array([...sealed, 0]), patientKeys.secretKey, binding()), OversizeError);
  });
});

describe('dispense secrets', () => {
  test('differ by fill and by seed; the hashes are what the chain is given', () => {
    const seed = counting(32, 1);
    const secrets = [1, 2, 3].map((fill) => toHex(dispenseSecret(seed, fill)));
    assert.equal(new Set(secrets).size, 3);
    assert.notEqual(toHex(dispenseSecret(counting(32, 2), 1)), secrets[0]);
    assert.deepEqual(dispenseHashes(seed, 2, 2).map(toHex), [2, 3].map((f) => toHex(dispenseSecretHash(dispenseSecret(seed, f)))));
    assert.deepEqual(dispenseHashes(seed, 1, 0), []);
  });

  test('bad input: fill 0 or past u32, a seed or secret of the wrong size', () => {
    assert.throws(() => dispenseSecret(counting(32), 0), RangeError);
    assert.throws(() => dispenseSecret(counting(32), 2 ** 32), RangeError);
    assert.throws(() => dispenseSecret(counting(32), 1.5), RangeError);
    assert.throws(() => dispenseSecret(counting(31), 1), MalformedError);
    assert.throws(() => dispenseSecretHash(counting(33)), MalformedError);
  });
});

describe('the dispense token', () => {
  const token = { genesisHash: GENESIS, prescription: 9n, fill: 1, secret: counting(32, 4), salt: counting(32, 8), content: CONTENT };

  test('round-trips, with content at its bound and empty', () => {
    assert.deepEqual(decodeDispenseToken(encodeDispenseToken(token)), token);
    const full = { ...token, content: counting(MAX_DISPENSE_CONTENT_LENGTH) };
    assert.deepEqual(decodeDispenseToken(encodeDispenseToken(full)), full);
    const empty = { ...token, content: new Uint8Array() };
    assert.equal(encodeDispenseToken(empty).length, DISPENSE_TOKEN_HEADER_LENGTH);
    assert.deepEqual(decodeDispenseToken(encodeDispenseToken(empty)), empty);
  });

  test('bad input is refused with its own error', () => {
    const encoded = encodeDispenseToken(token);
    assert.throws(() => decodeDispenseToken(new Uint8Array()), TruncatedError);
    assert.throws(() => decodeDispenseToken(flip(encoded, 0)), UnknownVersionError);
    assert.throws(() => decodeDispenseToken(encoded.subarray(0, DISPENSE_TOKEN_HEADER_LENGTH - 1)), TruncatedError);
    const zeroFill = encoded.slice();
    zeroFill.set([0, 0, 0, 0], 41);
    assert.throws(() => decodeDispenseToken(zeroFill), MalformedError);
    const over = encodeDispenseToken({ ...token, content: counting(MAX_DISPENSE_CONTENT_LENGTH) });
    assert.throws(() => decodeDispenseToken(new Uint8Array([...over, 0])), OversizeError);
    assert.throws(() => encodeDispenseToken({ ...token, content: counting(MAX_DISPENSE_CONTENT_LENGTH + 1) }), OversizeError);
    assert.throws(() => encodeDispenseToken({ ...token, fill: 0 }), RangeError);
    assert.throws(() => encodeDispenseToken({ ...token, prescription: 2n ** 64n }), RangeError);
    assert.throws(() => encodeDispenseToken({ ...token, secret: counting(31) }), MalformedError);
    assert.throws(() => encodeDispenseToken({ ...token, salt: counting(33) }), MalformedError);
    assert.throws(() => encodeDispenseToken({ ...token, genesisHash: counting(31) }), MalformedError);
  });
});

/** What the fake chain stores of prescription 5 and says of it. */
interface FakeRx {
  stored: Record<string, unknown> | null;
  standing: string;
  nextFillNotBefore: number | null;
}

/** A prescription 5 of three fills, one made, sealed to the patient, with its content stored. */
async function fixture(): Promise<{ ctx: FlowContext; state: FakeRx; seed: Uint8Array }> {
  const store = new MemoryBlobStore();
  const dataKey = newDataKey();
  const seed = counting(32, 0xc0);
  const content = encryptContent(dataKey, CONTENT);
  const locator = await store.put(content.ciphertext);
  const sealed = await sealPrescriptionKey({ dataKey, dispenseSeed: seed, locator }, patientKeys.publicKey, 0, binding(content.commitment));
  const state: FakeRx = {
    stored: {
      patient: PATIENT, prescriber: PRESCRIBER, commitment: toHex(content.commitment), ciphertextHash: toHex(content.ciphertextHash),
      locator: toHex(sealed),
      fillsAllowed: 3, fillsUsed: 1, carried: 0, dispenseHashes: dispenseHashes(seed, 1, 3).map(toHex),
      spent: [toHex(dispenseSecretHash(dispenseSecret(seed, 1)))], controlled: false, issuedAt: 0, expiresAt: 10,
      lastFillAt: 1, previous: null, deposit: 1,
    },
    standing: 'Dispensable',
    nextFillNotBefore: null,
  };
  const json = (value: unknown) => ({ toJSON: () => value });
  const api = {
    query: { prescriptions: { prescriptions: async (id: bigint) => json(id === 5n ? state.stored : null) } },
    call: {
      prescriptionsApi: {
        prescription: async (id: bigint) => json(id === 5n && state.stored
          ? { ...state.stored, standing: state.standing, nextFillNotBefore: state.nextFillNotBefore }
          : null),
      },
    },
  };
  const chain = {
    api,
    genesisHash: GENESIS,
    accountId: (a: string | Uint8Array) => (typeof a === 'string' ? decodeAddress(a) : a),
    address: (a: string | Uint8Array) => String(a),
  } as unknown as TelemedChain;
  return { ctx: { chain, store }, state, seed };
}

const patient: Actor = { signer: { address: PATIENT } as Signer, keys: { ...patientKeys, keyVersion: 0 } };

describe('the patient opens, the pharmacist checks (fake chain)', () => {
  test('the patient gets the content and the next fill\'s token, which the pharmacist accepts', async () => {
    const { ctx, seed } = await fixture();
    const opened = await openPrescription(ctx, patient, 5n);
    assert.deepEqual(opened.content, CONTENT);
    assert.equal(opened.nextFill, 2);
    const checked = await checkDispenseToken(ctx, dispenseTokenFor(ctx, opened));
    assert.equal(checked.token.fill, 2);
    assert.equal(toHex(checked.token.secret), toHex(dispenseSecret(seed, 2)));
    assert.deepEqual(checked.token.content, CONTENT);
  });

  test('another patient\'s key, a closed prescription, content that is not the committed one', async () => {
    const { ctx, state } = await fixture();
    await assert.rejects(openPrescription(ctx, { ...patient, keys: { ...keyPair(8), keyVersion: 0 } }, 5n), DecryptionError);
    await assert.rejects(openPrescription(ctx, patient, 6n), NotFoundError);
    const other = encryptContent(newDataKey(), utf8('other'));
    state.stored = { ...state.stored, commitment: toHex(other.commitment) };
    // The binding includes the commitment: the sealed key no longer opens.
    await assert.rejects(openPrescription(ctx, patient, 5n), DecryptionError);
  });

  test('tokens for fills made, past the next one, or not to come are not made', async () => {
    const { ctx } = await fixture();
    const opened = await openPrescription(ctx, patient, 5n);
    assert.throws(() => dispenseTokenFor(ctx, opened, 1), RangeError);
    assert.throws(() => dispenseTokenFor(ctx, opened, 4), RangeError);
    assert.ok(dispenseTokenFor(ctx, opened, 3));
  });

  test('every forged or stale token is refused with its problem, before anything is sent', async () => {
    const { ctx, state, seed } = await fixture();
    const opened = await openPrescription(ctx, patient, 5n);
    const good = decodeDispenseToken(dispenseTokenFor(ctx, opened));
    const problem = async (token: Parameters<typeof encodeDispenseToken>[0]): Promise<string> => {
      try {
        await checkDispenseToken(ctx, encodeDispenseToken(token));
      } catch (e) {
        assert.ok(e instanceof DispenseTokenError, String(e));
        return e.problem;
      }
      return 'accepted';
    };
    assert.equal(await problem({ ...good, genesisHash: counting(32, 1) }), 'OtherChain');
    assert.equal(await problem({ ...good, prescription: 6n }), 'UnknownPrescription');
    assert.equal(await problem({ ...good, content: utf8('{"text":"Example 50 mg"}') }), 'ContentMismatch');
    assert.equal(await problem({ ...good, salt: counting(32, 1) }), 'ContentMismatch');
    assert.equal(await problem({ ...good, fill: 1, secret: dispenseSecret(seed, 1) }), 'FillAlreadyMade');
    assert.equal(await problem({ ...good, secret: dispenseSecret(seed, 1) }), 'FillAlreadyMade');
    assert.equal(await problem({ ...good, fill: 3, secret: dispenseSecret(seed, 3) }), 'NotTheNextFill');
    assert.equal(await problem({ ...good, secret: dispenseSecret(seed, 3) }), 'WrongSecret');
    assert.equal(await problem({ ...good, secret: counting(32, 9) }), 'WrongSecret');
    for (const standing of ['Expired', 'PrescriberNotLicensed', 'PrescriberRevoked']) {
      state.standing = standing;
      assert.equal(await problem(good), standing);
    }
    state.standing = 'Dispensable';
    state.nextFillNotBefore = 99;
    assert.equal(await problem(good), 'TooEarly');
    state.nextFillNotBefore = null;
    assert.equal(await problem(good), 'accepted');
    state.stored = null;
    assert.equal(await problem(good), 'UnknownPrescription');
  });

  test('a blob whose hash is not the one the chain keeps is refused; a version without a hash (storage v1) is checked by its commitment', async () => {
    const { ctx, state } = await fixture();
    state.stored = { ...state.stored, ciphertextHash: toHex(new Uint8Array(32).fill(0xee)) };
    await assert.rejects(openPrescription(ctx, patient, 5n), (e: unknown) => e instanceof MismatchError && /ciphertext hash/.test(e.message));
    state.stored = { ...state.stored, ciphertextHash: null };
    assert.deepEqual((await openPrescription(ctx, patient, 5n)).content, CONTENT);
  });

  test('a stored blob that is not the committed content is a mismatch', async () => {
    const { ctx, state, seed } = await fixture();
    // Seal a key to another blob under the same commitment: the blob's content differs.
    const dataKey = newDataKey();
    const other = encryptContent(dataKey, utf8('{"text":"other"}'));
    const locator = await ctx.store.put(other.ciphertext);
    const commitment = commitmentOf(counting(32), CONTENT);
    const sealed = await sealPrescriptionKey({ dataKey, dispenseSeed: seed, locator }, patientKeys.publicKey, 0, binding(commitment));
    // The chain keeps that blob's hash: the commitment is what catches it.
    state.stored = { ...state.stored, commitment: toHex(commitment), ciphertextHash: toHex(other.ciphertextHash), locator: toHex(sealed) };
    await assert.rejects(openPrescription(ctx, patient, 5n), (e: unknown) => e instanceof MismatchError && /commitment/.test(e.message));
  });
});

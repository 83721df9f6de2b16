// The remembered health key: sealed under a passcode (scrypt + AES-256-GCM), opened only with
// that passcode, for that account, unchanged; nothing of the phrase in what is stored; a plain
// phrase of an older version and junk are told apart from a wrong passcode.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { generateRecoveryPhrase } from '@telemed/sdk';
import {
  isKeystore, MIN_PASSCODE_LENGTH, openPhrase, SCRYPT, sealPhrase, UnknownKeystoreError, WrongPasscodeError,
} from '../../src/keystore.ts';

const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
const BOB = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
/** A low cost for the tests that are not about the cost. */
const FAST = { cost: { n: 2 ** 10, r: 8, p: 1 } };

describe('the remembered health key', () => {
  test('opens with its passcode for its account, at the real cost; the phrase is not in what is stored', async () => {
    const phrase = generateRecoveryPhrase();
    const stored = await sealPhrase(phrase, 'correct horse', ALICE);
    const json = JSON.parse(stored) as Record<string, unknown>;
    assert.deepEqual([json.v, json.kdf, json.n, json.r, json.p], [1, 'scrypt', SCRYPT.n, SCRYPT.r, SCRYPT.p]);
    // Nothing but the layout's fields, the constants in clear and hex of the right lengths; no
    // word of the phrase in that hex (as UTF-8), nor the phrase. (Not a substring search of the
    // whole text: a word such as "salt" or "add" may be a field name or occur in random hex.)
    assert.deepEqual(Object.keys(json).sort(), ['ct', 'iv', 'kdf', 'n', 'p', 'r', 'salt', 'v']);
    const hexOf = (text: string) => Buffer.from(text, 'utf8').toString('hex');
    for (const field of ['salt', 'iv', 'ct'] as const) {
      const value = json[field] as string;
      assert.match(value, /^[0-9a-f]+$/, field);
      for (const word of phrase.split(' ')) assert.ok(!value.includes(hexOf(word)), `no word of the phrase in ${field}`);
    }
    assert.ok(!stored.includes(phrase));
    assert.ok(isKeystore(stored));
    assert.equal(await openPhrase(stored, 'correct horse', ALICE), phrase);
  });

  test('another passcode, another account, a changed byte: refused as a wrong passcode', async () => {
    const phrase = generateRecoveryPhrase();
    const stored = await sealPhrase(phrase, 'correct horse', ALICE, FAST);
    await assert.rejects(openPhrase(stored, 'correct horsf', ALICE), WrongPasscodeError);
    await assert.rejects(openPhrase(stored, 'correct horse', BOB), WrongPasscodeError);
    const json = JSON.parse(stored) as { ct: string; iv: string; salt: string };
    const flip = (hex: string) => `${hex.slice(0, -1)}${hex.endsWith('0') ? '1' : '0'}`;
    for (const field of ['ct', 'iv', 'salt'] as const) {
      await assert.rejects(openPhrase(JSON.stringify({ ...json, [field]: flip(json[field]) }), 'correct horse', ALICE), WrongPasscodeError, field);
    }
  });

  test('two seals of one phrase differ (fresh salt and iv)', async () => {
    const phrase = generateRecoveryPhrase();
    assert.notEqual(await sealPhrase(phrase, 'correct horse', ALICE, FAST), await sealPhrase(phrase, 'correct horse', ALICE, FAST));
  });

  test('a passcode at and under its bound', async () => {
    const phrase = generateRecoveryPhrase();
    await assert.rejects(sealPhrase(phrase, 'x'.repeat(MIN_PASSCODE_LENGTH - 1), ALICE, FAST), RangeError);
    assert.equal(await openPhrase(await sealPhrase(phrase, 'x'.repeat(MIN_PASSCODE_LENGTH), ALICE, FAST), 'x'.repeat(MIN_PASSCODE_LENGTH), ALICE), phrase);
  });

  test('a plain phrase of an older version, junk, another version, an absurd cost: not a keystore', async () => {
    const phrase = generateRecoveryPhrase();
    assert.ok(!isKeystore(phrase));
    await assert.rejects(openPhrase(phrase, 'correct horse', ALICE), UnknownKeystoreError);
    const json = JSON.parse(await sealPhrase(phrase, 'correct horse', ALICE, FAST)) as Record<string, unknown>;
    await assert.rejects(openPhrase(JSON.stringify({ ...json, v: 2 }), 'correct horse', ALICE), UnknownKeystoreError);
    await assert.rejects(openPhrase(JSON.stringify({ ...json, kdf: 'pbkdf2' }), 'correct horse', ALICE), UnknownKeystoreError);
    await assert.rejects(openPhrase(JSON.stringify({ ...json, n: 2 ** 30 }), 'correct horse', ALICE), UnknownKeystoreError);
    await assert.rejects(openPhrase(JSON.stringify({ ...json, ct: 'zz' }), 'correct horse', ALICE), UnknownKeystoreError);
    await assert.rejects(openPhrase('null', 'correct horse', ALICE), UnknownKeystoreError);
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { concatBytes, equalBytes, fromHex, toHex, u32le, u64le } from '../src/index.ts';

test('bytes: little-endian integers, hex and equality', () => {
  assert.equal(toHex(u32le(1)), '0x01000000');
  assert.equal(toHex(u64le(258n)), '0x0201000000000000');
  assert.throws(() => u32le(-1), RangeError);
  assert.throws(() => u64le(2n ** 64n), RangeError);
  assert.deepEqual(fromHex('0x0a0b'), new Uint8Array([10, 11]));
  assert.throws(() => fromHex('0xabc'), RangeError);
  assert.throws(() => fromHex('zz'), RangeError);
  assert.ok(equalBytes(concatBytes(new Uint8Array([1]), new Uint8Array([2])), new Uint8Array([1, 2])));
  assert.ok(!equalBytes(new Uint8Array([1]), new Uint8Array([1, 2])));
});

/**
 * Blinded tags (FORMATS.md, "Blinded tags"; docs/PRIVACY.md): a record's category or resource
 * type as a keyed hash under the patient's tag key, so the chain can compare tags but not read
 * them.
 *
 * @module
 */

import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';

import { utf8 } from './bytes.ts';
import { MalformedError } from './errors.ts';

/** Length of a tag key and of a tag, in bytes. */
export const TAG_LENGTH = 32;

/**
 * What goes before the label in the HMAC input. The `v1` is the tag format's version: a tag is
 * 32 bytes on chain and carries no version byte, so a new format takes a new prefix.
 */
export const TAG_LABEL_PREFIX = 'telemed/tag/v1/';

/**
 * The blinded tag of `label` under a patient's tag key:
 * `HMAC-SHA-256(tagKey, UTF-8("telemed/tag/v1/" ‖ label))`.
 *
 * @param tagKey - the patient's 32-byte tag key ({@link deriveKeys} gives it)
 * @param label - a category (`category/laboratory`) or FHIR type (`type/Observation`)
 * @returns the 32-byte tag the records pallet stores
 * @throws {@link MalformedError} if the tag key is not 32 bytes or the label is empty
 */
export function tagOf(tagKey: Uint8Array, label: string): Uint8Array {
  if (tagKey.length !== TAG_LENGTH) {
    throw new MalformedError('tag', `a tag key has ${TAG_LENGTH} bytes, not ${tagKey.length}`);
  }
  if (label.length === 0) throw new MalformedError('tag', 'empty label');
  return hmac(sha256, tagKey, utf8(TAG_LABEL_PREFIX + label));
}

/**
 * `@telemed/sdk`: the Telemed client. This first part holds the client-side crypto and its
 * versioned binary formats (see FORMATS.md); chain access, storage and flows come later.
 *
 * @packageDocumentation
 */

export * from './errors.ts';
export * from './bytes.ts';
export * from './tags.ts';
export * from './size.ts';
export * from './content.ts';
export * from './locator.ts';
export { isValidKeyAgreementKey, X25519_KEY_LENGTH } from './hpke.ts';
export * from './envelope.ts';
export * from './keys.ts';
export * from './recovery.ts';

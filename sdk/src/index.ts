/**
 * `@telemed/sdk`: the Telemed client: the client-side crypto and its versioned binary formats
 * (see FORMATS.md), chain access checked against the runtime's metadata (`TelemedChain`, the
 * `records`/`consent`/`practitioners`/`billing` namespaces, `DispatchError`), a `BlobStore`
 * interface, the consultation's end-to-end session channel (`SessionChannel`), and the flows as functions (`addResource`, `readRecord`, `grantAndSeal`…).
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
export * from './signed-request.ts';
export * from './batch.ts';
export * from './session.ts';
export * from './gateway.ts';
export * from './relay.ts';
export * from './prescription.ts';
export * from './chain/index.ts';
export * from './flows/index.ts';

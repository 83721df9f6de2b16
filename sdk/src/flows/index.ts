/**
 * Flows as functions: register, add, grant and seal, read, amend, revoke and re-key, shred,
 * emergency key custody (appoint, seal to the custodian, release to a break-glass practitioner),
 * book and pay, a consultation's end-to-end session. Each takes a {@link FlowContext} (chain
 * and blob store) and the acting
 * {@link Actor}.
 *
 * @module
 */

export * from './blob-store.ts';
export * from './context.ts';
export * from './records.ts';
export * from './sharing.ts';
export * from './billing.ts';
export * from './emergency.ts';
export * from './wearables.ts';
export * from './rotation.ts';
export * from './session.ts';
export * from './prescriptions.ts';

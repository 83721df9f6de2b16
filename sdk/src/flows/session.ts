/**
 * A consultation's end-to-end session, as the two parties run it: each makes a fresh key pair
 * and pins its public key on chain ({@link pinSessionKey}), then derives the channel from the
 * two keys **read from the chain** ({@link sessionChannel}) and runs it over a relay
 * (`connectSession`). A relay that swaps keys is refused: the hellos it carries must match the
 * pinned keys.
 *
 * @module
 */

import * as billing from '../chain/billing.ts';
import { NotFoundError } from '../chain/errors.ts';
import type { ConsultationId } from '../chain/types.ts';
import { newSessionKeyPair, SessionChannel, type SessionKeyPair, type SessionRole } from '../session.ts';
import type { Actor, FlowContext } from './context.ts';

/** What {@link pinSessionKey} returns: the key pair (keep the secret on the device) and the inclusion. */
export interface PinnedSession {
  /** This device's ephemeral key pair for the visit. */
  keys: SessionKeyPair;
  /** Whether it replaced a key this party had pinned (a `SessionKeyReplaced` event). */
  replaced: boolean;
}

/**
 * Makes a fresh session key pair and pins its public key for consultation `id`
 * (`billing.publishSessionKey`, signed by `actor`: the patient or the practitioner, while the
 * consultation is accepted).
 *
 * @throws `DispatchError` (`billing.NotAParty`, `billing.WrongStatus`…)
 */
export async function pinSessionKey(ctx: FlowContext, actor: Actor, id: ConsultationId): Promise<PinnedSession> {
  const keys = newSessionKeyPair();
  const { replaced } = await billing.publishSessionKey(ctx.chain, actor.signer, id, keys.publicKey);
  return { keys, replaced };
}

/**
 * The channel of `role` for consultation `id`, derived from `mine` and both keys as the chain
 * pins them now.
 *
 * @throws {@link NotFoundError} while a party has not pinned its key (or the visit ended: the
 *   keys expire with it); `KeyMismatchError` if the chain pins another key for `role` than
 *   `mine` (replaced since)
 */
export async function sessionChannel(
  ctx: FlowContext,
  role: SessionRole,
  id: ConsultationId,
  mine: SessionKeyPair,
): Promise<SessionChannel> {
  const keys = await billing.sessionKeys(ctx.chain, id);
  if (!keys?.patient || !keys.practitioner) {
    throw new NotFoundError(`consultation ${id} has not both session keys pinned`);
  }
  return new SessionChannel(role, mine, { genesisHash: ctx.chain.genesisHash, consultation: id }, {
    patient: keys.patient.key,
    practitioner: keys.practitioner.key,
  });
}

/**
 * What the visit actions do, in words, before the person confirms them: a dispute and its bond,
 * a cancellation by either side.
 *
 * @module
 */

/** The dispute bond (runtime/src/configs/telemed.rs `DisputeBond`: 1 MED). */
export const DISPUTE_BOND = 1_000_000_000_000n;

export const DISPUTE_WARNING = 'Dispute this visit? Say it did not take place as booked: the payment stays held, and the council decides. '
  + '1 MED is held from you as a bond: returned if the council agrees with you (or does not decide within 14 days), paid to the practitioner if it does not.';

/** What cancelling does, in words, before the person confirms. */
export function cancelWarning(side: 'patient' | 'practitioner', status: string): string {
  if (side === 'practitioner') return 'Cancel this visit? The patient is refunded in full.';
  if (status === 'Requested') return 'Cancel this booking? The practitioner has not accepted it yet: you are refunded in full.';
  return 'Cancel this accepted visit? Before its time, half the price goes to the practitioner as the cancellation fee and the rest comes back to you. '
    + 'Once its time has come it is under way and cannot be cancelled, until a day after its end without delivery: then you are refunded in full.';
}

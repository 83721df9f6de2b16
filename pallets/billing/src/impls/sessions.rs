//! The session keys of an accepted visit: published by its two parties, replaced visibly,
//! removed when the visit ends.

use crate::{pallet::*, types::*};
use frame_support::{ensure, pallet_prelude::*, traits::Time};
use telemed_primitives::{ConsultationId, KeyAgreementKey};

impl<T: Config> Pallet<T> {
	pub(crate) fn do_publish_session_key(
		who: T::AccountId,
		id: ConsultationId,
		key: KeyAgreementKey,
	) -> DispatchResult {
		let c = Self::consultation(id)?;
		let by_patient = who == c.patient;
		ensure!(by_patient || who == c.practitioner, Error::<T>::NotAParty);
		ensure!(c.status == ConsultationStatus::Accepted, Error::<T>::WrongStatus);
		ensure!(
			telemed_primitives::is_valid_key_agreement_key(&key),
			Error::<T>::InvalidSessionKey
		);

		// *** No fail beyond this point ***
		let published_at = T::Time::now();
		let mut keys = SessionKeysOf::<T>::get(id).unwrap_or_default();
		let slot = if by_patient { &mut keys.patient } else { &mut keys.practitioner };
		let revision = slot.as_ref().map_or(1, |old| old.revision.saturating_add(1));
		*slot = Some(SessionKey { key, published_at, revision });
		SessionKeysOf::<T>::insert(id, keys);
		if revision == 1 {
			Self::deposit_event(Event::SessionKeyPublished { id, by: who });
		} else {
			Self::deposit_event(Event::SessionKeyReplaced { id, by: who, revision });
		}
		Ok(())
	}

	/// Removes the session keys of a consultation that leaves the accepted state (delivered or
	/// cancelled), announcing it if there were any. Cannot fail.
	pub(super) fn expire_session_keys(id: ConsultationId) {
		if SessionKeysOf::<T>::take(id).is_some() {
			Self::deposit_event(Event::SessionKeysExpired { id });
		}
	}

	/// The session keys of consultation `id`, while it is accepted.
	pub fn session_keys(id: ConsultationId) -> Option<SessionKeys> {
		SessionKeysOf::<T>::get(id)
	}
}

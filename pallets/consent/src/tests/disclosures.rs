//! The disclosure log: a bounded ring per patient, every entry also in an event.

use super::*;
use crate::{DisclosureCount, DisclosureRing};
use telemed_primitives::{Disclosure, DisclosureLog};

fn disclosure(at: u64) -> Disclosure<AccountId> {
	Disclosure {
		accessor: DOC,
		patient: PATIENT,
		data: telemed_primitives::DisclosedData::Record(1),
		action: AccessAction::Read,
		purpose: PurposeOfUse::Treatment,
		basis: AccessBasis::Consent(0),
		at,
	}
}

#[test]
fn other_pallets_append_through_the_trait_and_every_entry_is_an_event() {
	new_test_ext().execute_with(|| {
		assert_ok!(<Consent as DisclosureLog<AccountId>>::note_disclosure(disclosure(T0)));
		assert_eq!(last_event(), Event::Disclosed { seq: 0, disclosure: disclosure(T0) });
		assert_eq!(DisclosureCount::<Test>::get(PATIENT), 1);
		assert_eq!(Consent::disclosures(&PATIENT, 0, 10), vec![(0, disclosure(T0))]);
		assert_invariants();
	});
}

#[test]
fn the_ring_keeps_the_latest_entries_and_pages_through_them() {
	new_test_ext().execute_with(|| {
		for i in 0..5 {
			assert_ok!(<Consent as DisclosureLog<AccountId>>::note_disclosure(disclosure(T0 + i)));
		}
		// The mock keeps 3: numbers 2, 3 and 4.
		assert_eq!(DisclosureRing::<Test>::iter_prefix(PATIENT).count(), 3);
		let all = Consent::disclosures(&PATIENT, 0, 10);
		assert_eq!(
			all.iter().map(|(n, d)| (*n, d.at)).collect::<Vec<_>>(),
			vec![(2, T0 + 2), (3, T0 + 3), (4, T0 + 4)]
		);
		assert_eq!(
			Consent::disclosures(&PATIENT, 3, 1).iter().map(|(n, _)| *n).collect::<Vec<_>>(),
			vec![3]
		);
		assert!(Consent::disclosures(&PATIENT, 5, 10).is_empty());
		assert!(Consent::disclosures(&NURSE, 0, 10).is_empty());
		assert_invariants();
	});
}

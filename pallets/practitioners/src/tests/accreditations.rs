//! The table of accreditations ([`Accreditations`]): what licence lookups read of the
//! authorities, kept by governance's calls alone, bounded, and built by migration v3.

use super::*;
use crate::{migrations::v3::MigrateV2ToV3, Accreditations, ActiveLicences, Authorities, Pallet};
use frame_support::{
	assert_noop,
	traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion},
};
use telemed_primitives::{LicenceQuery, PractitionerRegistry};

type Registry = Pallet<Test>;

fn licensed(who: AccountId) -> bool {
	Registry::is_licensed(&who, &LicenceQuery::any())
}

fn table() -> Vec<(AccountId, Vec<Vec<u8>>)> {
	Accreditations::<Test>::get()
		.into_iter()
		.map(|a| {
			let codes = a.jurisdictions.iter().map(|k| k.iter().copied().filter(|b| *b != 0));
			(a.authority, codes.map(|code| code.collect()).collect())
		})
		.collect()
}

fn accredit(authority: AccountId, list: &[&[u8]]) {
	assert_ok!(Practitioners::add_authority(
		RuntimeOrigin::root(),
		authority,
		bv(b"Some Board".to_vec()),
		codes(list),
	));
}

fn reaccredit(authority: AccountId, list: &[&[u8]]) {
	assert_ok!(Practitioners::update_authority(
		RuntimeOrigin::root(),
		authority,
		bv(b"Some Board".to_vec()),
		codes(list),
	));
}

#[test]
fn a_lookup_reads_the_summary_and_the_table_alone() {
	new_test_ext().execute_with(|| {
		add_board();
		accredit(OTHER_BOARD, &[b"FR"]);
		register(DOC);
		issue_from(OTHER_BOARD, DOC, PractitionerRole::Physician, false);
		issue_from(BOARD, DOC, PractitionerRole::Nurse, true);
		assert!(licensed(DOC));
		assert!(Registry::may_use_emergency_access(&DOC));
		assert_invariants();
		// The authorities' records are not what a lookup reads: without them (state no call
		// can reach) the answer stands...
		let kept: Vec<_> = Authorities::<Test>::drain().collect();
		assert!(licensed(DOC));
		assert!(Registry::may_use_emergency_access(&DOC));
		// ...and without the table, nothing counts, whatever the records say.
		for (who, info) in kept {
			Authorities::<Test>::insert(who, info);
		}
		Accreditations::<Test>::kill();
		assert!(!licensed(DOC));
		assert!(!Registry::may_use_emergency_access(&DOC));
		// Nor does anything without the summary.
		Accreditations::<Test>::put(bv(Pallet::<Test>::accreditations_computed()));
		assert!(licensed(DOC));
		ActiveLicences::<Test>::remove(DOC);
		assert!(!licensed(DOC));
	});
}

#[test]
fn the_table_follows_every_change_of_governance_and_nothing_else() {
	new_test_ext().execute_with(|| {
		// Added out of order, kept sorted by account.
		accredit(OTHER_BOARD, &[b"FR"]);
		add_board();
		assert_eq!(
			table(),
			vec![
				(BOARD, vec![b"FR".to_vec(), b"GB-ENG".to_vec()]),
				(OTHER_BOARD, vec![b"FR".to_vec()])
			]
		);
		assert_invariants();
		register(DOC);
		let from_other = issue_from(OTHER_BOARD, DOC, PractitionerRole::Physician, false);
		// Issuing, suspending, reinstating, renewing leave the table alone.
		let before = table();
		assert_ok!(Practitioners::suspend_licence(
			RuntimeOrigin::signed(OTHER_BOARD),
			from_other,
			[0; 32]
		));
		assert_ok!(Practitioners::reinstate_licence(
			RuntimeOrigin::signed(OTHER_BOARD),
			from_other
		));
		assert_eq!(table(), before);
		assert!(licensed(DOC));

		// A jurisdiction taken away: the licence stops counting at once...
		reaccredit(OTHER_BOARD, &[b"US-CA"]);
		assert_eq!(table()[1], (OTHER_BOARD, vec![b"US-CA".to_vec()]));
		assert!(!licensed(DOC));
		assert_invariants();
		// ...and counts again when it is given back.
		reaccredit(OTHER_BOARD, &[b"FR", b"US-CA"]);
		assert!(licensed(DOC));

		// Withdrawn: the entry goes, the licence ends.
		assert_ok!(Practitioners::remove_authority(RuntimeOrigin::root(), OTHER_BOARD));
		assert_eq!(table().len(), 1);
		assert!(!licensed(DOC));
		assert_invariants();
		// Accredited again later: a new entry with a later accreditation, under which the old
		// licence was not issued: it stays ended.
		set_now(T0 + DAY);
		accredit(OTHER_BOARD, &[b"FR"]);
		let entry = Accreditations::<Test>::get()
			.into_iter()
			.find(|a| a.authority == OTHER_BOARD)
			.expect("accredited again");
		assert_eq!(entry.accredited_at, T0 + DAY);
		assert!(!licensed(DOC));
		// A licence issued under the new accreditation counts.
		issue_from(OTHER_BOARD, DOC, PractitionerRole::Nurse, false);
		assert!(licensed(DOC));
		assert_invariants();
	});
}

#[test]
fn no_more_than_max_authorities_are_accredited() {
	new_test_ext().execute_with(|| {
		for i in 0..MAX_AUTHORITIES {
			accredit(100 + u64::from(i), &[b"FR"]);
		}
		assert_eq!(table().len(), MAX_AUTHORITIES as usize);
		// One more: refused, nothing changed.
		assert_noop!(
			Practitioners::add_authority(
				RuntimeOrigin::root(),
				BOARD,
				bv(b"Demo Medical Board".to_vec()),
				codes(&[b"FR"]),
			),
			PError::TooManyAuthorities
		);
		// Updating one at the bound is not adding one.
		reaccredit(100, &[b"FR", b"GB-ENG"]);
		// One withdrawn: room for one, first in the table (the smallest account).
		assert_ok!(Practitioners::remove_authority(RuntimeOrigin::root(), 105));
		add_board();
		assert_eq!(table()[0].0, BOARD);
		assert_eq!(table().len(), MAX_AUTHORITIES as usize);
		assert_invariants();
	});
}

#[test]
fn version_2_authorities_are_tabled() {
	new_test_ext().execute_with(|| {
		add_board();
		accredit(OTHER_BOARD, &[b"US-CA"]);
		register(DOC);
		issue(DOC, false);
		let expected = Accreditations::<Test>::get();
		// Version 2: no table, so nobody is licensed, and the invariants catch it.
		Accreditations::<Test>::kill();
		StorageVersion::new(2).put::<Practitioners>();
		assert!(Pallet::<Test>::do_try_state().is_err(), "a missing table is caught");
		assert!(!licensed(DOC));

		#[cfg(feature = "try-runtime")]
		MigrateV2ToV3::<Test>::try_on_runtime_upgrade(true).expect("pre and post checks pass");
		#[cfg(not(feature = "try-runtime"))]
		MigrateV2ToV3::<Test>::on_runtime_upgrade();

		assert_eq!(Practitioners::on_chain_storage_version(), StorageVersion::new(3));
		assert_eq!(Accreditations::<Test>::get(), expected);
		assert!(licensed(DOC));
		assert_invariants();

		// Once only.
		Accreditations::<Test>::kill();
		MigrateV2ToV3::<Test>::on_runtime_upgrade();
		assert!(Accreditations::<Test>::get().is_empty());
	});
}

#[test]
fn padded_codes_sort_as_the_codes_do() {
	use crate::jurisdiction_key;
	let codes: Vec<telemed_primitives::JurisdictionCode> =
		[&b"FR"[..], b"FR-75C", b"FR-A", b"GB-ENG", b"US", b"US-CA"]
			.iter()
			.map(|c| bv(c.to_vec()))
			.collect();
	assert!(codes.windows(2).all(|w| w[0] < w[1]), "sorted as codes");
	let keys: Vec<_> = codes.iter().map(jurisdiction_key).collect();
	assert!(keys.windows(2).all(|w| w[0] < w[1]), "sorted as keys");
	assert_eq!(keys[0], *b"FR\0\0\0\0");
	assert_eq!(keys[1], *b"FR-75C");
}

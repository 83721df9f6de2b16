//! Privacy: the claim check asks about the relationship, never about a kind of data; a service
//! keeps only the hash of its description; events about a patient's bookings carry ids,
//! accounts and amounts, never the service.

use super::*;
use crate::{ClaimStatus, FraudCheck};
use codec::Encode;
use frame_support::assert_noop;
use telemed_primitives::AccessTarget;

/// Books, delivers and confirms an insured video visit under `policy_id`; the claim's status.
fn claimed(policy_id: PolicyId) -> ClaimStatus {
	let id = delivered(Some(policy_id));
	assert_ok!(Billing::confirm(RuntimeOrigin::signed(PATIENT), id));
	claim_of(id).1.status
}

/// A policy of `INSURER` for `PATIENT`, without the payment consent `policy` gives.
fn policy_without_consent() -> PolicyId {
	let id = policy(INSURER, 80, 5_000);
	MockConsent::revoke(INSURER, PATIENT);
	id
}

fn rejected_for_consent() -> ClaimStatus {
	ClaimStatus::Rejected { check: FraudCheck::NoPaymentConsent }
}

#[test]
fn the_claim_check_asks_about_the_relationship_not_a_kind_of_data() {
	new_test_ext().execute_with(|| {
		let policy_id = policy(INSURER, 80, 5_000);
		assert!(matches!(claimed(policy_id), ClaimStatus::Pending { .. }));
		assert_eq!(MockConsent::last_target(), Some(AccessTarget::Relationship));
		assert_invariants();
	});
}

#[test]
fn a_payment_consent_of_any_scope_passes_the_claim_check() {
	// All data, one tag (the patient's), a tag no record carries yet: each is a consent to the
	// insurer for payment.
	for scope in [None, Some(PAYMENT_TAG), Some([0x01; 32])] {
		new_test_ext().execute_with(|| {
			let policy_id = policy_without_consent();
			MockConsent::permit(INSURER, PATIENT, AccessAction::Read, PurposeOfUse::Payment, scope);
			assert!(
				matches!(claimed(policy_id), ClaimStatus::Pending { .. }),
				"scope {scope:?} passes"
			);
			assert_invariants();
		});
	}
}

#[test]
fn a_deny_of_all_data_for_payment_rejects_the_claim_whatever_permits() {
	for scope in [None, Some(PAYMENT_TAG)] {
		new_test_ext().execute_with(|| {
			let policy_id = policy_without_consent();
			MockConsent::permit(INSURER, PATIENT, AccessAction::Read, PurposeOfUse::Payment, scope);
			MockConsent::deny(INSURER, PATIENT, AccessAction::Read, PurposeOfUse::Payment);
			let id = delivered(Some(policy_id));
			assert_ok!(Billing::confirm(RuntimeOrigin::signed(PATIENT), id));
			let (claim_id, claim) = claim_of(id);
			assert_eq!(claim.status, rejected_for_consent());
			assert_eq!(
				last_event(),
				Event::ClaimRejected { id: claim_id, check: FraudCheck::NoPaymentConsent }
			);
			// The insurer's share is back in its pool and not charged to the year; the
			// patient is not liable for it.
			let insurer = crate::Insurers::<Test>::get(INSURER).expect("an insurer");
			assert_eq!((insurer.pool, insurer.committed), (POOL, 0));
			assert!(!crate::PolicyUsage::<Test>::contains_key(policy_id, 0));
			assert_eq!(Balances::total_balance(&PATIENT), START - 200);
			assert_invariants();
		});
	}
}

#[test]
fn no_payment_consent_rejects_the_claim() {
	new_test_ext().execute_with(|| {
		let policy_id = policy_without_consent();
		assert_eq!(claimed(policy_id), rejected_for_consent());
		assert_invariants();
	});
}

/// What is not a payment consent of this patient to this insurer: another purpose, another
/// action, a consent to another insurer, another patient's consent. Each rejects the claim.
#[test]
fn a_consent_for_something_else_is_no_payment_consent() {
	let others: [(AccountId, AccountId, AccessAction, PurposeOfUse); 4] = [
		(INSURER, PATIENT, AccessAction::Read, PurposeOfUse::Treatment),
		(INSURER, PATIENT, AccessAction::Append, PurposeOfUse::Payment),
		(OTHER_INSURER, PATIENT, AccessAction::Read, PurposeOfUse::Payment),
		(INSURER, OTHER_PATIENT, AccessAction::Read, PurposeOfUse::Payment),
	];
	for (accessor, patient, action, purpose) in others {
		new_test_ext().execute_with(|| {
			let policy_id = policy_without_consent();
			MockConsent::permit(accessor, patient, action, purpose, None);
			assert_eq!(
				claimed(policy_id),
				rejected_for_consent(),
				"{accessor} {patient} {action:?} {purpose:?}"
			);
			assert_invariants();
		});
	}
}

/// The consent is checked when the claim is made (at settlement), not at booking: a consent
/// withdrawn after booking rejects the claim; one given before settlement passes.
#[test]
fn the_payment_consent_is_checked_at_settlement() {
	new_test_ext().execute_with(|| {
		let policy_id = policy(INSURER, 80, 5_000);
		let id = delivered(Some(policy_id));
		MockConsent::revoke(INSURER, PATIENT);
		assert_ok!(Billing::confirm(RuntimeOrigin::signed(PATIENT), id));
		assert_eq!(claim_of(id).1.status, rejected_for_consent());
		assert_invariants();
	});
	new_test_ext().execute_with(|| {
		let policy_id = policy_without_consent();
		let id = delivered(Some(policy_id));
		MockConsent::permit(INSURER, PATIENT, AccessAction::Read, PurposeOfUse::Payment, None);
		assert_ok!(Billing::confirm(RuntimeOrigin::signed(PATIENT), id));
		assert!(matches!(claim_of(id).1.status, ClaimStatus::Pending { .. }));
		assert_invariants();
	});
}

#[test]
fn a_service_keeps_only_the_hash_of_its_description() {
	new_test_ext().execute_with(|| {
		let text = b"Psychotherapy, 50 minutes";
		assert_ok!(Billing::set_service(
			RuntimeOrigin::signed(NURSE),
			code(b"90834"),
			description(text),
			300,
			HOUR
		));
		let service = crate::Services::<Test>::get(NURSE, code(b"90834")).expect("published");
		assert_eq!(service.description, description(text));
		// Neither the stored value nor the event holds the text.
		assert!(!contains(&service.encode(), text));
		assert!(events().iter().all(|e| !contains(&e.encode(), text)));
		assert!(events().iter().all(|e| !contains(&e.encode(), &description(text))));
		// Changing the description replaces the hash; no second deposit.
		assert_ok!(Billing::set_service(
			RuntimeOrigin::signed(NURSE),
			code(b"90834"),
			description(b"Talking therapy"),
			300,
			HOUR
		));
		let service = crate::Services::<Test>::get(NURSE, code(b"90834")).expect("published");
		assert_eq!((service.description, service.deposit), (description(b"Talking therapy"), 5));
		assert_invariants();
	});
}

/// Another account cannot change a practitioner's description: the caller's own schedule is
/// the only one a call writes to.
#[test]
fn nobody_changes_another_practitioners_description() {
	new_test_ext().execute_with(|| {
		let before = crate::Services::<Test>::get(DOC, code(VIDEO)).expect("published");
		assert_noop!(
			Billing::set_service(
				RuntimeOrigin::signed(STRANGER),
				code(VIDEO),
				description(b"Something else"),
				1,
				HOUR
			),
			BError::NotLicensed
		);
		// A licensed practitioner writes their own entry, not the physician's.
		assert_ok!(Billing::set_service(
			RuntimeOrigin::signed(NURSE),
			code(VIDEO),
			description(b"Something else"),
			1,
			HOUR
		));
		assert_eq!(crate::Services::<Test>::get(DOC, code(VIDEO)), Some(before));
		assert_invariants();
	});
}

/// Whether `needle` occurs in `haystack`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
	!needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// Every event of a patient's booking, from booking to reaping, in each of the paths (settled
/// with a claim, disputed and resolved, cancelled, declined, lapsed, defaulted), names ids,
/// accounts and amounts only: none holds the service code. Only the practitioner's
/// fee-schedule events (public by design) name a code.
#[test]
fn events_about_a_booking_never_name_the_service() {
	new_test_ext().execute_with(|| {
		let policy_id = policy(INSURER, 80, 5_000);
		// Settled with a claim, approved, reaped.
		let settled = delivered(Some(policy_id));
		assert_ok!(Billing::confirm(RuntimeOrigin::signed(PATIENT), settled));
		let (claim_id, _) = claim_of(settled);
		assert_ok!(Billing::adjudicate_claim(
			RuntimeOrigin::signed(INSURER),
			claim_id,
			true,
			[0u8; 32]
		));
		assert_ok!(Billing::reap(RuntimeOrigin::signed(STRANGER), settled));
		// Disputed and resolved; disputed and closed by the default.
		set_now(T0);
		let resolved = delivered(None);
		assert_ok!(Billing::dispute(RuntimeOrigin::signed(PATIENT), resolved));
		assert_ok!(Billing::resolve_dispute(
			RuntimeOrigin::root(),
			resolved,
			Permill::from_percent(30)
		));
		set_now(T0);
		let defaulted = delivered(None);
		assert_ok!(Billing::dispute(RuntimeOrigin::signed(PATIENT), defaulted));
		set_now(T0 + DAY + DISPUTE_DEADLINE);
		assert_ok!(Billing::close_dispute(RuntimeOrigin::signed(STRANGER), defaulted));
		// Declined, cancelled, lapsed.
		set_now(T0);
		let declined = booked(None);
		assert_ok!(Billing::decline(RuntimeOrigin::signed(DOC), declined));
		let cancelled = booked(None);
		assert_ok!(Billing::cancel(RuntimeOrigin::signed(PATIENT), cancelled));
		let lapsed = booked(None);
		set_now(T0 + DAY);
		assert_ok!(Billing::release_lapsed(RuntimeOrigin::signed(STRANGER), lapsed));
		for id in [resolved, defaulted, declined, cancelled, lapsed] {
			assert_ok!(Billing::reap(RuntimeOrigin::signed(STRANGER), id));
		}

		let all = events();
		assert!(all.len() > 20, "every path ran: {all:?}");
		for event in all {
			match event {
				Event::ServiceSet { .. } | Event::ServiceWithdrawn { .. } => {},
				other => {
					let bytes = other.encode();
					assert!(!contains(&bytes, VIDEO), "{other:?} names the service");
					assert!(!contains(&bytes, &description(b"Video consultation")));
				},
			}
		}
		assert_invariants();
	});
}

/// The shapes of the pallet's events and stored values, read from their type information: only
/// the fields named here may hold bytes of a length the user chooses (`Vec<u8>` or a bounded
/// one), the only place free text could go. A field added later that could carry text fails
/// this test until it is hashed or argued public here.
mod shapes {
	use super::*;
	use scale_info::{
		form::PortableForm, meta_type, Field, PortableRegistry, Registry, TypeDef,
		TypeDefPrimitive, TypeInfo,
	};

	fn registry_of<X: TypeInfo + 'static>() -> (PortableRegistry, u32) {
		let mut registry = Registry::new();
		let id = registry.register_type(&meta_type::<X>()).id;
		(registry.into(), id)
	}

	/// Whether the type `id` holds a byte sequence of any length anywhere in it (fixed-size
	/// arrays, hashes, do not count).
	fn holds_free_bytes(registry: &PortableRegistry, id: u32, seen: &mut Vec<u32>) -> bool {
		if seen.contains(&id) {
			return false;
		}
		seen.push(id);
		let any = |fields: &[Field<PortableForm>], seen: &mut Vec<u32>| {
			fields.iter().any(|f| holds_free_bytes(registry, f.ty.id, seen))
		};
		match &registry.resolve(id).expect("a registered type").type_def {
			TypeDef::Sequence(s) => {
				let element = &registry.resolve(s.type_param.id).expect("registered").type_def;
				matches!(element, TypeDef::Primitive(TypeDefPrimitive::U8))
					|| holds_free_bytes(registry, s.type_param.id, seen)
			},
			TypeDef::Composite(c) => any(&c.fields, seen),
			TypeDef::Variant(v) => v.variants.iter().any(|v| any(&v.fields, seen)),
			TypeDef::Array(a) => holds_free_bytes(registry, a.type_param.id, seen),
			TypeDef::Tuple(t) => t.fields.iter().any(|f| holds_free_bytes(registry, f.id, seen)),
			TypeDef::Compact(c) => holds_free_bytes(registry, c.type_param.id, seen),
			_ => false,
		}
	}

	/// The names of the fields of struct `X` that hold free bytes.
	fn byte_fields_of<X: TypeInfo + 'static>() -> Vec<String> {
		let (registry, id) = registry_of::<X>();
		let TypeDef::Composite(c) = &registry.resolve(id).expect("registered").type_def else {
			panic!("a struct");
		};
		c.fields
			.iter()
			.filter(|f| holds_free_bytes(&registry, f.ty.id, &mut Vec::new()))
			.map(|f| f.name.clone().expect("named fields"))
			.collect()
	}

	#[test]
	fn only_fee_schedule_events_carry_a_service_and_no_event_carries_text() {
		let (registry, id) = registry_of::<Event<Test>>();
		let TypeDef::Variant(events) = &registry.resolve(id).expect("registered").type_def else {
			panic!("an enum");
		};
		assert!(events.variants.len() > 20, "every event is walked");
		for event in &events.variants {
			let schedule = matches!(event.name.as_str(), "ServiceSet" | "ServiceWithdrawn");
			for field in &event.fields {
				let name = field.name.clone().expect("named fields");
				let bytes = holds_free_bytes(&registry, field.ty.id, &mut Vec::new());
				if schedule && name == "service" {
					continue;
				}
				assert!(!bytes, "{}.{name} may carry free bytes", event.name);
				assert!(
					!["service", "description", "name", "text"].contains(&name.as_str()),
					"{}.{name}",
					event.name
				);
			}
		}
	}

	#[test]
	fn stored_values_hold_text_only_where_public_by_design() {
		// A service: code (the key), hash of the description, price, duration, deposit.
		assert!(byte_fields_of::<crate::ServiceOf<Test>>().is_empty());
		// A consultation keeps its public service code (coverage and price need it).
		assert_eq!(byte_fields_of::<crate::ConsultationOf<Test>>(), vec!["service"]);
		// A policy lists the service codes it covers; an insurer has its organisation's name.
		assert_eq!(byte_fields_of::<crate::PolicyOf<Test>>(), vec!["covered"]);
		assert_eq!(byte_fields_of::<crate::InsurerOf<Test>>(), vec!["name"]);
		assert!(byte_fields_of::<crate::ClaimOf<Test>>().is_empty());
		assert!(byte_fields_of::<crate::DisputeOf<Test>>().is_empty());
	}
}

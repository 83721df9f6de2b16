//! The access rule's table (`telemed_primitives::mocks::access_cases`), run against this
//! pallet: the same table runs against the mock consent verifier the other pallets' tests
//! use, so that mock answers as this pallet does.

use super::*;
use telemed_primitives::mocks::{access_cases, Asker, CASE_ASKER, CASE_PATIENT};

#[test]
fn the_pallet_answers_every_access_case_as_the_table_says() {
	assert_eq!(CASE_PATIENT, PATIENT, "the table's patient is this mock's");
	for case in access_cases() {
		new_test_ext().execute_with(|| {
			case.set_up_registry();
			if let Asker::Delegate(scope) = case.asker {
				assert_ok!(add_delegate(CASE_ASKER, vec![scope], None));
			}
			if let Some(permit) = case.permit {
				let grant = Grant {
					actions: vec![permit.action],
					purposes: vec![permit.purpose],
					..Grant::permit(CASE_ASKER)
				};
				match permit.tag {
					Some(tag) => grant.tags(vec![tag]).ok(),
					None => grant.ok(),
				};
			}
			if let Some((action, purpose)) = case.deny {
				Grant { actions: vec![action], purposes: vec![purpose], ..Grant::deny(CASE_ASKER) }
					.ok();
			}
			assert_eq!(case.check::<Consent>(), case.expected, "case: {}", case.name);
			assert_invariants();
		});
	}
}

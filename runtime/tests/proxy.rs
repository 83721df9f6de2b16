//! Proxies with the domain's types, batches and multisig accounts (issue 18), through
//! `Executive`: each proxy type's calls are dispatched for the account that added the proxy,
//! every other call is refused with `CallFiltered` (the proxy call itself goes through; its
//! `ProxyExecuted` event carries the refusal), also inside a batch; a proxy cannot add a
//! proxy more permissive than itself; a clinic's 2-of-3 multisig account pays only with two
//! approvals.

use crate::common::{
	charlie_consents, externalities, ok_next, register_patient, start_block_at, sudo, transfer,
	BillingCall, RecordsCall, NOW,
};
use frame_support::traits::InstanceFilter;
use sp_keyring::Sr25519Keyring;
use sp_runtime::DispatchError;
use telemed_primitives::{AccessAction, PurposeOfUse};
use telemed_runtime::{
	configs::ProxyType, AccountId, Balances, Runtime, RuntimeCall, RuntimeEvent, System, UNITS,
};

type ProxyCall = pallet_proxy::Call<Runtime>;
type UtilityCall = pallet_utility::Call<Runtime>;
type MultisigCall = pallet_multisig::Call<Runtime>;

fn account(who: Sr25519Keyring) -> AccountId {
	who.to_account_id()
}

/// The calls the table below checks, by name.
fn calls() -> Vec<(&'static str, RuntimeCall)> {
	let bob = account(Sr25519Keyring::Bob);
	vec![
		("balances.transfer", transfer(&bob, UNITS)),
		(
			"billing.set_service",
			RuntimeCall::Billing(BillingCall::set_service {
				service: code(),
				description: [1; 32],
				price: UNITS,
				duration: 1_800_000,
			}),
		),
		("billing.accept", RuntimeCall::Billing(BillingCall::accept { id: 0 })),
		(
			"billing.mark_delivered",
			RuntimeCall::Billing(BillingCall::mark_delivered { id: 0, encounter: None }),
		),
		(
			"billing.book",
			RuntimeCall::Billing(BillingCall::book {
				patient: account(Sr25519Keyring::Charlie),
				practitioner: bob.clone(),
				service: code(),
				scheduled_at: NOW + 86_400_000,
				policy: None,
			}),
		),
		("billing.confirm", RuntimeCall::Billing(BillingCall::confirm { id: 0 })),
		(
			"billing.publish_session_key",
			RuntimeCall::Billing(BillingCall::publish_session_key { id: 0, key: [9; 32] }),
		),
		("billing.fund_pool", RuntimeCall::Billing(BillingCall::fund_pool { amount: UNITS })),
		(
			"consent.grant_consent",
			charlie_consents(
				&bob,
				pallet_consent::Decision::Permit,
				vec![AccessAction::Read],
				pallet_consent::ScopeRequest::AllData,
			),
		),
		(
			"records.add_record",
			RuntimeCall::Records(RecordsCall::add_record {
				patient: account(Sr25519Keyring::Charlie),
				tag: [3; 32],
				commitment: [4; 32],
				ciphertext_hash: [5; 32],
				size_class: 10,
				locator: vec![1; 8].try_into().unwrap(),
				purpose: PurposeOfUse::Treatment,
			}),
		),
		("records.access_record", RuntimeCall::Records(RecordsCall::access_record { record: 0 })),
		("records.shred_record", RuntimeCall::Records(RecordsCall::shred_record { record: 0 })),
		("records.deregister_patient", RuntimeCall::Records(RecordsCall::deregister_patient {})),
		(
			"prescriptions.cancel",
			RuntimeCall::Prescriptions(pallet_prescriptions::Call::cancel { id: 0 }),
		),
		(
			"council.vote",
			RuntimeCall::Council(pallet_collective::Call::vote {
				proposal: Default::default(),
				index: 0,
				approve: true,
			}),
		),
		("sudo.sudo", sudo(transfer(&bob, UNITS))),
		(
			"multisig.as_multi_threshold_1",
			RuntimeCall::Multisig(MultisigCall::as_multi_threshold_1 {
				other_signatories: vec![bob.clone()],
				call: Box::new(transfer(&bob, UNITS)),
			}),
		),
		(
			"proxy.add_proxy",
			RuntimeCall::Proxy(ProxyCall::add_proxy {
				delegate: bob.into(),
				proxy_type: ProxyType::Any,
				delay: 0,
			}),
		),
	]
}

/// What each type may do, call by call (the names of [`calls`]).
fn allowed(proxy: ProxyType) -> &'static [&'static str] {
	match proxy {
		ProxyType::Any => &[
			"balances.transfer",
			"billing.set_service",
			"billing.accept",
			"billing.mark_delivered",
			"billing.book",
			"billing.confirm",
			"billing.publish_session_key",
			"billing.fund_pool",
			"consent.grant_consent",
			"records.add_record",
			"records.access_record",
			"records.shred_record",
			"records.deregister_patient",
			"prescriptions.cancel",
			"council.vote",
			"sudo.sudo",
			"multisig.as_multi_threshold_1",
			"proxy.add_proxy",
		],
		ProxyType::NonTransfer => &[
			"consent.grant_consent",
			"records.add_record",
			"records.access_record",
			"records.shred_record",
			"records.deregister_patient",
			"prescriptions.cancel",
			"council.vote",
			"proxy.add_proxy",
		],
		ProxyType::Governance => &["council.vote"],
		ProxyType::FrontDesk => {
			&["billing.set_service", "billing.accept", "billing.mark_delivered"]
		},
		ProxyType::PatientCare => &[
			"billing.book",
			"billing.confirm",
			"billing.publish_session_key",
			"consent.grant_consent",
			"records.add_record",
			"prescriptions.cancel",
		],
	}
}

const TYPES: [ProxyType; 5] = [
	ProxyType::Any,
	ProxyType::NonTransfer,
	ProxyType::Governance,
	ProxyType::FrontDesk,
	ProxyType::PatientCare,
];

#[test]
fn each_proxy_type_allows_exactly_its_calls() {
	externalities("development").execute_with(|| {
		for proxy in TYPES {
			for (name, call) in calls() {
				assert_eq!(
					proxy.filter(&call),
					allowed(proxy).contains(&name),
					"{proxy:?} and {name}"
				);
			}
		}
	});
}

#[test]
fn no_type_but_any_is_a_superset_of_another_and_governance_is_within_non_transfer() {
	for a in TYPES {
		for b in TYPES {
			let expected = a == b
				|| a == ProxyType::Any
				|| (a == ProxyType::NonTransfer && b == ProxyType::Governance);
			assert_eq!(a.is_superset(&b), expected, "{a:?} ⊇ {b:?}");
		}
	}
}

/// The result of the last `ProxyExecuted` event.
fn proxy_result() -> Result<(), DispatchError> {
	System::events()
		.into_iter()
		.rev()
		.find_map(|r| match r.event {
			RuntimeEvent::Proxy(pallet_proxy::Event::ProxyExecuted { result }) => Some(result),
			_ => None,
		})
		.expect("a ProxyExecuted event")
}

/// `proxy` makes `real` do `call` through a proxy call.
fn through(
	proxy: Sr25519Keyring,
	real: &AccountId,
	call: RuntimeCall,
) -> Result<(), DispatchError> {
	ok_next(
		proxy,
		RuntimeCall::Proxy(ProxyCall::proxy {
			real: real.clone().into(),
			force_proxy_type: None,
			call: Box::new(call),
		}),
	);
	proxy_result()
}

fn filtered() -> Result<(), DispatchError> {
	Err(frame_system::Error::<Runtime>::CallFiltered.into())
}

#[test]
fn a_front_desk_runs_the_practitioners_fee_schedule_but_moves_no_funds_and_joins_no_session() {
	externalities("development").execute_with(|| {
		start_block_at(NOW);
		let bob = account(Sr25519Keyring::Bob);
		let eve = account(Sr25519Keyring::Eve);
		// The demo physician gives his front desk (Eve) a proxy; the deposit is held from him.
		let free = Balances::free_balance(&bob);
		ok_next(
			Sr25519Keyring::Bob,
			RuntimeCall::Proxy(ProxyCall::add_proxy {
				delegate: eve.clone().into(),
				proxy_type: ProxyType::FrontDesk,
				delay: 0,
			}),
		);
		assert!(Balances::free_balance(&bob) < free);

		// The fee schedule: done, as Bob.
		let service = RuntimeCall::Billing(BillingCall::set_service {
			service: b"99213".to_vec().try_into().unwrap(),
			description: [1; 32],
			price: UNITS,
			duration: 1_800_000,
		});
		assert_eq!(through(Sr25519Keyring::Eve, &bob, service), Ok(()));
		assert!(pallet_billing::Services::<Runtime>::contains_key(&bob, code()));
		// Funds, the visit's session key, records: refused, nothing moved.
		let before = Balances::free_balance(&bob);
		assert_eq!(through(Sr25519Keyring::Eve, &bob, transfer(&eve, UNITS)), filtered());
		let key = RuntimeCall::Billing(BillingCall::publish_session_key { id: 0, key: [9; 32] });
		assert_eq!(through(Sr25519Keyring::Eve, &bob, key), filtered());
		let read = RuntimeCall::Records(RecordsCall::access_record { record: 0 });
		assert_eq!(through(Sr25519Keyring::Eve, &bob, read), filtered());
		// Inside a batch, the one call it may not make refuses the batch's rest (batch_all).
		let batch = RuntimeCall::Utility(UtilityCall::batch_all {
			calls: vec![
				RuntimeCall::Billing(BillingCall::withdraw_service { service: code() }),
				transfer(&eve, UNITS),
			],
		});
		assert_eq!(through(Sr25519Keyring::Eve, &bob, batch), filtered());
		assert!(pallet_billing::Services::<Runtime>::contains_key(&bob, code()));
		// Eve paid the proxy calls' fees; nothing of Bob's moved.
		assert_eq!(Balances::free_balance(&bob), before);
		// Nor can it give itself (or anyone) a wider proxy.
		let widen = RuntimeCall::Proxy(ProxyCall::add_proxy {
			delegate: eve.clone().into(),
			proxy_type: ProxyType::Any,
			delay: 0,
		});
		assert_eq!(through(Sr25519Keyring::Eve, &bob, widen), filtered());
		assert_eq!(pallet_proxy::Proxies::<Runtime>::get(&bob).0.len(), 1);
	});
}

/// The service code the front desk sets.
fn code() -> pallet_billing::ServiceCode {
	b"99213".to_vec().try_into().unwrap()
}

#[test]
fn a_guardians_device_manages_the_patients_consents_but_cannot_move_funds_or_shred() {
	externalities("development").execute_with(|| {
		start_block_at(NOW);
		let charlie = account(Sr25519Keyring::Charlie);
		let dave = account(Sr25519Keyring::Dave);
		ok_next(Sr25519Keyring::Charlie, register_patient([0x41; 32]));
		ok_next(
			Sr25519Keyring::Charlie,
			RuntimeCall::Proxy(ProxyCall::add_proxy {
				delegate: dave.clone().into(),
				proxy_type: ProxyType::PatientCare,
				delay: 0,
			}),
		);
		let bob = account(Sr25519Keyring::Bob);
		let grant = charlie_consents(
			&bob,
			pallet_consent::Decision::Permit,
			vec![AccessAction::Read],
			pallet_consent::ScopeRequest::AllData,
		);
		assert_eq!(through(Sr25519Keyring::Dave, &charlie, grant), Ok(()));
		assert_eq!(pallet_consent::ConsentsOf::<Runtime>::get(&charlie).len(), 1);
		let before = Balances::free_balance(&charlie);
		assert_eq!(through(Sr25519Keyring::Dave, &charlie, transfer(&dave, UNITS)), filtered());
		let leave = RuntimeCall::Records(RecordsCall::deregister_patient {});
		assert_eq!(through(Sr25519Keyring::Dave, &charlie, leave), filtered());
		assert_eq!(Balances::free_balance(&charlie), before);
		assert!(pallet_records::Patients::<Runtime>::contains_key(&charlie));
	});
}

#[test]
fn a_clinics_two_of_three_multisig_pays_only_with_two_approvals() {
	externalities("development").execute_with(|| {
		start_block_at(NOW);
		let [alice, bob, charlie] =
			[Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie]
				.map(|k| k.to_account_id());
		// The pallet derives the account from the signatories in sorted order.
		let mut signatories = vec![alice.clone(), bob.clone(), charlie.clone()];
		signatories.sort();
		let clinic = pallet_multisig::Pallet::<Runtime>::multi_account_id(&signatories, 2);
		let ferdie = account(Sr25519Keyring::Ferdie);
		ok_next(Sr25519Keyring::Alice, transfer(&clinic, 10 * UNITS));
		let pay = transfer(&ferdie, UNITS);
		let before = Balances::free_balance(&ferdie);
		let mut others = vec![bob.clone(), charlie.clone()];
		others.sort();
		ok_next(
			Sr25519Keyring::Alice,
			RuntimeCall::Multisig(MultisigCall::as_multi {
				threshold: 2,
				other_signatories: others,
				maybe_timepoint: None,
				call: Box::new(pay.clone()),
				max_weight: Default::default(),
			}),
		);
		assert_eq!(Balances::free_balance(&ferdie), before, "one approval pays nothing");
		let pending = pallet_multisig::Multisigs::<Runtime>::iter_prefix(&clinic)
			.next()
			.expect("a pending operation");
		let mut others = vec![alice.clone(), charlie.clone()];
		others.sort();
		ok_next(
			Sr25519Keyring::Bob,
			RuntimeCall::Multisig(MultisigCall::as_multi {
				threshold: 2,
				other_signatories: others,
				maybe_timepoint: Some(pending.1.when),
				call: Box::new(pay),
				max_weight: frame_support::weights::Weight::from_parts(1_000_000_000, 100_000),
			}),
		);
		assert_eq!(Balances::free_balance(&ferdie), before + UNITS, "the second approval pays");
	});
}

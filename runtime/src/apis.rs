//! The runtime APIs: what the node and clients (Polkadot.js, wallets) may ask the runtime.
//!
//! The standard ones (core, metadata, view functions, block building, transaction pool, offchain
//! workers, Aura, GRANDPA, session keys, nonces, fees, genesis presets, benchmarks, try-runtime)
//! and Telemed's five query APIs:
//! `PractitionersApi`, `ConsentApi`, `RecordsApi`, `BillingApi` and `PrescriptionsApi`. Each Telemed API is declared
//! in its pallet's `runtime-api` crate (`pallets/*/runtime-api`) and appears in the metadata, so
//! Polkadot.js calls it by name (`api.call.consentApi.checkAccess(…)`). There is no
//! Telemed-specific RPC: clients read through these APIs with `state_call`.

use alloc::vec::Vec;
use frame_support::{
	genesis_builder_helper::{build_state, get_preset},
	weights::Weight,
};
use pallet_grandpa::AuthorityId as GrandpaId;
use sp_api::impl_runtime_apis;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_core::{crypto::KeyTypeId, OpaqueMetadata};
use sp_runtime::{
	traits::{Block as BlockT, NumberFor},
	transaction_validity::{TransactionSource, TransactionValidity},
	ApplyExtrinsicResult, ExtrinsicInclusionMode,
};
use sp_version::RuntimeVersion;

use super::{
	AccountId, Aura, Balance, Billing, Block, Consent, Executive, Grandpa, InherentDataExt, Nonce,
	Practitioners, Prescriptions, Records, Runtime, RuntimeCall, RuntimeGenesisConfig, SessionKeys,
	System, Timestamp, TransactionPayment, VERSION,
};

impl_runtime_apis! {
	impl sp_api::Core<Block> for Runtime {
		fn version() -> RuntimeVersion {
			VERSION
		}

		fn execute_block(block: <Block as BlockT>::LazyBlock) {
			Executive::execute_block(block);
		}

		fn initialize_block(header: &<Block as BlockT>::Header) -> ExtrinsicInclusionMode {
			Executive::initialize_block(header)
		}
	}

	impl sp_api::Metadata<Block> for Runtime {
		fn metadata() -> OpaqueMetadata {
			OpaqueMetadata::new(Runtime::metadata().into())
		}

		fn metadata_at_version(version: u32) -> Option<OpaqueMetadata> {
			Runtime::metadata_at_version(version)
		}

		fn metadata_versions() -> Vec<u32> {
			Runtime::metadata_versions()
		}
	}

	impl frame_support::view_functions::runtime_api::RuntimeViewFunction<Block> for Runtime {
		fn execute_view_function(
			id: frame_support::view_functions::ViewFunctionId,
			input: Vec<u8>,
		) -> Result<Vec<u8>, frame_support::view_functions::ViewFunctionDispatchError> {
			Runtime::execute_view_function(id, input)
		}
	}

	impl sp_block_builder::BlockBuilder<Block> for Runtime {
		fn apply_extrinsic(extrinsic: <Block as BlockT>::Extrinsic) -> ApplyExtrinsicResult {
			Executive::apply_extrinsic(extrinsic)
		}

		fn finalize_block() -> <Block as BlockT>::Header {
			Executive::finalize_block()
		}

		fn inherent_extrinsics(data: sp_inherents::InherentData) -> Vec<<Block as BlockT>::Extrinsic> {
			data.create_extrinsics()
		}

		fn check_inherents(
			block: <Block as BlockT>::LazyBlock,
			data: sp_inherents::InherentData,
		) -> sp_inherents::CheckInherentsResult {
			data.check_extrinsics(&block)
		}
	}

	impl sp_transaction_pool::runtime_api::TaggedTransactionQueue<Block> for Runtime {
		fn validate_transaction(
			source: TransactionSource,
			tx: <Block as BlockT>::Extrinsic,
			block_hash: <Block as BlockT>::Hash,
		) -> TransactionValidity {
			Executive::validate_transaction(source, tx, block_hash)
		}
	}

	impl sp_offchain::OffchainWorkerApi<Block> for Runtime {
		fn offchain_worker(header: &<Block as BlockT>::Header) {
			Executive::offchain_worker(header)
		}
	}

	impl sp_consensus_aura::AuraApi<Block, AuraId> for Runtime {
		fn slot_duration() -> sp_consensus_aura::SlotDuration {
			sp_consensus_aura::SlotDuration::from_millis(Aura::slot_duration())
		}

		fn authorities() -> Vec<AuraId> {
			pallet_aura::Authorities::<Runtime>::get().into_inner()
		}
	}

	impl sp_session::SessionKeys<Block> for Runtime {
		fn generate_session_keys(
			owner: Vec<u8>,
			seed: Option<Vec<u8>>,
		) -> sp_session::OpaqueGeneratedSessionKeys {
			SessionKeys::generate(&owner, seed).into()
		}

		fn decode_session_keys(encoded: Vec<u8>) -> Option<Vec<(Vec<u8>, KeyTypeId)>> {
			SessionKeys::decode_into_raw_public_keys(&encoded)
		}
	}

	impl sp_consensus_grandpa::GrandpaApi<Block> for Runtime {
		fn grandpa_authorities() -> sp_consensus_grandpa::AuthorityList {
			Grandpa::grandpa_authorities()
		}

		fn current_set_id() -> sp_consensus_grandpa::SetId {
			Grandpa::current_set_id()
		}

		fn submit_report_equivocation_unsigned_extrinsic(
			_equivocation_proof: sp_consensus_grandpa::EquivocationProof<
				<Block as BlockT>::Hash,
				NumberFor<Block>,
			>,
			_key_owner_proof: sp_consensus_grandpa::OpaqueKeyOwnershipProof,
		) -> Option<()> {
			None
		}

		fn generate_key_ownership_proof(
			_set_id: sp_consensus_grandpa::SetId,
			_authority_id: GrandpaId,
		) -> Option<sp_consensus_grandpa::OpaqueKeyOwnershipProof> {
			// The key owner proof type is `Void`: no proof can exist until sessions are tracked.
			None
		}
	}

	impl frame_system_rpc_runtime_api::AccountNonceApi<Block, AccountId, Nonce> for Runtime {
		fn account_nonce(account: AccountId) -> Nonce {
			System::account_nonce(account)
		}
	}

	impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentApi<Block, Balance> for Runtime {
		fn query_info(
			uxt: <Block as BlockT>::Extrinsic,
			len: u32,
		) -> pallet_transaction_payment_rpc_runtime_api::RuntimeDispatchInfo<Balance> {
			TransactionPayment::query_info(uxt, len)
		}
		fn query_fee_details(
			uxt: <Block as BlockT>::Extrinsic,
			len: u32,
		) -> pallet_transaction_payment::FeeDetails<Balance> {
			TransactionPayment::query_fee_details(uxt, len)
		}
		fn query_weight_to_fee(weight: Weight) -> Balance {
			TransactionPayment::weight_to_fee(weight)
		}
		fn query_length_to_fee(length: u32) -> Balance {
			TransactionPayment::length_to_fee(length)
		}
	}

	impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentCallApi<Block, Balance, RuntimeCall>
		for Runtime
	{
		fn query_call_info(
			call: RuntimeCall,
			len: u32,
		) -> pallet_transaction_payment::RuntimeDispatchInfo<Balance> {
			TransactionPayment::query_call_info(call, len)
		}
		fn query_call_fee_details(
			call: RuntimeCall,
			len: u32,
		) -> pallet_transaction_payment::FeeDetails<Balance> {
			TransactionPayment::query_call_fee_details(call, len)
		}
		fn query_weight_to_fee(weight: Weight) -> Balance {
			TransactionPayment::weight_to_fee(weight)
		}
		fn query_length_to_fee(length: u32) -> Balance {
			TransactionPayment::length_to_fee(length)
		}
	}

	impl pallet_practitioners_runtime_api::PractitionersApi<Block, AccountId> for Runtime {
		fn licence_status(who: AccountId) -> pallet_practitioners::PractitionerStatus {
			Practitioners::status_of(&who)
		}

		fn licences(who: AccountId) -> Vec<pallet_practitioners::LicenceView<AccountId>> {
			Practitioners::licences_of(&who)
		}
	}

	impl pallet_consent_runtime_api::ConsentApi<
		Block,
		AccountId,
		pallet_consent::ConsentOf<Runtime>,
		Balance,
	> for Runtime {
		fn check_access(
			accessor: AccountId,
			patient: AccountId,
			action: telemed_primitives::AccessAction,
			target: telemed_primitives::AccessTarget,
			purpose: telemed_primitives::PurposeOfUse,
		) -> Result<telemed_primitives::AccessBasis, telemed_primitives::AccessDenial> {
			Consent::access(&accessor, &patient, action, target, purpose).0
		}

		fn consents(
			patient: AccountId,
		) -> Vec<pallet_consent::ConsentView<pallet_consent::ConsentOf<Runtime>>> {
			Consent::consents_of(&patient)
		}

		fn disclosures(
			patient: AccountId,
			from: u64,
			max: u32,
		) -> Vec<(u64, telemed_primitives::Disclosure<AccountId>)> {
			Consent::disclosures(&patient, from, max)
		}

		fn pending_emergency_reviews(
			patient: AccountId,
		) -> Vec<(
			telemed_primitives::EmergencyAccessId,
			pallet_consent::EmergencyAccess<AccountId, Balance>,
		)> {
			Consent::pending_reviews(&patient)
		}
	}

	impl pallet_records_runtime_api::RecordsApi<
		Block,
		AccountId,
		Balance,
		pallet_records::RecordOf<Runtime>,
		pallet_records::KeyEnvelopeOf<Runtime>,
		pallet_records::DeviceOf<Runtime>,
	> for Runtime {
		fn patient(who: AccountId) -> Option<pallet_records::Patient<Balance>> {
			pallet_records::Patients::<Runtime>::get(who)
		}

		fn records(
			patient: AccountId,
			filter: pallet_records::RecordFilter,
			from: u32,
			max: u32,
		) -> (Vec<(telemed_primitives::RecordId, pallet_records::RecordOf<Runtime>)>, Option<u32>) {
			Records::records_of(&patient, &filter, from, max)
		}

		fn record_history(
			id: telemed_primitives::RecordId,
		) -> Vec<(telemed_primitives::RecordId, pallet_records::RecordOf<Runtime>)> {
			Records::version_chain(id)
		}

		fn envelope(
			record: telemed_primitives::RecordId,
			grantee: AccountId,
		) -> Option<pallet_records::KeyEnvelopeOf<Runtime>> {
			Records::envelope_for(record, &grantee)
		}

		fn device(device: AccountId) -> Option<pallet_records::DeviceOf<Runtime>> {
			pallet_records::Devices::<Runtime>::get(device)
		}

		fn latest_batch(device: AccountId) -> Option<pallet_records::BatchAnchor> {
			pallet_records::Devices::<Runtime>::get(device).and_then(|d| d.latest)
		}
	}

	impl pallet_billing_runtime_api::BillingApi<
		Block,
		AccountId,
		Balance,
		pallet_billing::ConsultationOf<Runtime>,
		pallet_billing::ServiceOf<Runtime>,
		pallet_billing::PolicyOf<Runtime>,
	> for Runtime {
		fn consultations(
			patient: AccountId,
		) -> Vec<(telemed_primitives::ConsultationId, pallet_billing::ConsultationOf<Runtime>)> {
			Billing::consultations_of(&patient)
		}

		fn schedule(
			practitioner: AccountId,
		) -> (
			Vec<(pallet_billing::ServiceCode, pallet_billing::ServiceOf<Runtime>)>,
			Vec<(telemed_primitives::ConsultationId, pallet_billing::ConsultationOf<Runtime>)>,
		) {
			Billing::schedule(&practitioner)
		}

		fn quote(
			patient: AccountId,
			practitioner: AccountId,
			service: pallet_billing::ServiceCode,
			policy: Option<telemed_primitives::PolicyId>,
			at: telemed_primitives::Moment,
		) -> Result<pallet_billing::Quote<Balance>, pallet_billing::QuoteError> {
			Billing::quote(&patient, &practitioner, &service, policy, at)
		}

		fn claim(
			consultation: telemed_primitives::ConsultationId,
		) -> Option<(telemed_primitives::ClaimId, pallet_billing::Claim<AccountId, Balance>)> {
			Billing::claim_of(consultation)
		}

		fn claims(
			party: AccountId,
			from: telemed_primitives::ClaimId,
			max: u32,
		) -> (
			Vec<(
				telemed_primitives::ClaimId,
				pallet_billing::Claim<AccountId, Balance>,
				pallet_billing::ConsultationOf<Runtime>,
			)>,
			Option<telemed_primitives::ClaimId>,
		) {
			Billing::claims_of(&party, from, max)
		}

		fn policies(
			party: AccountId,
			from: telemed_primitives::PolicyId,
			max: u32,
		) -> (
			Vec<(telemed_primitives::PolicyId, pallet_billing::PolicyOf<Runtime>, Balance)>,
			Option<telemed_primitives::PolicyId>,
		) {
			use frame_support::traits::Time;
			Billing::policies_of(&party, from, max, Timestamp::now())
		}
	}

	impl pallet_prescriptions_runtime_api::PrescriptionsApi<Block, AccountId> for Runtime {
		fn prescription(
			id: telemed_primitives::PrescriptionId,
		) -> Option<pallet_prescriptions::PrescriptionView<AccountId>> {
			Prescriptions::view(id)
		}

		fn prescriptions_of(
			patient: AccountId,
		) -> Vec<(
			telemed_primitives::PrescriptionId,
			pallet_prescriptions::PrescriptionView<AccountId>,
		)> {
			Prescriptions::prescriptions_of(&patient)
		}
	}

	impl sp_genesis_builder::GenesisBuilder<Block> for Runtime {
		fn build_state(config: Vec<u8>) -> sp_genesis_builder::Result {
			build_state::<RuntimeGenesisConfig>(config)
		}

		fn get_preset(id: &Option<sp_genesis_builder::PresetId>) -> Option<Vec<u8>> {
			get_preset::<RuntimeGenesisConfig>(id, crate::genesis_config_presets::get_preset)
		}

		fn preset_names() -> Vec<sp_genesis_builder::PresetId> {
			crate::genesis_config_presets::preset_names()
		}
	}

	#[cfg(feature = "runtime-benchmarks")]
	impl frame_benchmarking::Benchmark<Block> for Runtime {
		fn benchmark_metadata(extra: bool) -> (
			Vec<frame_benchmarking::BenchmarkList>,
			Vec<frame_support::traits::StorageInfo>,
		) {
			use frame_benchmarking::BenchmarkList;
			use frame_support::traits::StorageInfoTrait;
			// The pallets the benchmark list names (see `benchmarks.rs`).
			use crate::{
				benchmarks::*, Balances, Billing, Consent, Grandpa, Multisig, Practitioners,
				Prescriptions, Proxy, Records, Sudo, Timestamp, TransactionPayment, Upgrades,
				Utility, ValidatorSet,
			};

			let mut list = Vec::<BenchmarkList>::new();
			list_benchmarks!(list, extra);

			let storage_info = crate::AllPalletsWithSystem::storage_info();
			(list, storage_info)
		}

		fn dispatch_benchmark(
			config: frame_benchmarking::BenchmarkConfig,
		) -> Result<Vec<frame_benchmarking::BenchmarkBatch>, alloc::string::String> {
			use frame_benchmarking::BenchmarkBatch;
			use frame_support::traits::WhitelistedStorageKeys;
			use sp_storage::TrackedStorageKey;
			use crate::{
				benchmarks::*, Balances, Billing, Consent, Grandpa, Multisig, Practitioners,
				Prescriptions, Proxy, Records, Sudo, Timestamp, TransactionPayment, Upgrades,
				Utility, ValidatorSet,
			};

			let mut whitelist: Vec<TrackedStorageKey> =
				crate::AllPalletsWithSystem::whitelisted_storage_keys();
			// Every block's first extrinsic, the timestamp inherent, writes `Timestamp::Now`:
			// any call after it reads the value from the block's overlay, not from the
			// database, so no other pallet's benchmark counts that read. The inherent's own
			// benchmark still pays for its write.
			if config.pallet != b"pallet_timestamp".to_vec() {
				let now = pallet_timestamp::Now::<Runtime>::hashed_key();
				whitelist.push(now.to_vec().into());
			}
			let mut batches = Vec::<BenchmarkBatch>::new();
			let params = (&config, &whitelist);
			add_benchmarks!(params, batches);
			Ok(batches)
		}
	}

	#[cfg(feature = "try-runtime")]
	impl frame_try_runtime::TryRuntime<Block> for Runtime {
		fn on_runtime_upgrade(checks: frame_try_runtime::UpgradeCheckSelect) -> (Weight, Weight) {
			// try-runtime is an off-chain tool: failing loudly with a backtrace is what it wants.
			let weight = Executive::try_runtime_upgrade(checks).unwrap();
			(weight, crate::configs::RuntimeBlockWeights::get().max_block)
		}

		fn execute_block(
			block: <Block as BlockT>::LazyBlock,
			state_root_check: bool,
			signature_check: bool,
			select: frame_try_runtime::TryStateSelect,
		) -> Weight {
			Executive::try_execute_block(block, state_root_check, signature_check, select)
				.expect("execute-block failed")
		}
	}
}

//! The node's RPC extensions, on top of the standard set `sc-service` installs (`system_*`,
//! `chain_*`, `state_*`, `author_*`, `rpc_methods`, the new `chainHead`/`transaction` APIs):
//! `system_accountNextIndex`, `payment_*`, `grandpa_*`, and Telemed's plain-JSON methods for
//! integrators, `telemed_*` ([`crate::telemed_rpc`]).

#![warn(missing_docs)]

use std::sync::Arc;

use jsonrpsee::RpcModule;
use sc_consensus_grandpa::{
	FinalityProofProvider, GrandpaJustificationStream, SharedAuthoritySet, SharedVoterState,
};
use sc_consensus_grandpa_rpc::{Grandpa, GrandpaApiServer};
use sc_rpc::SubscriptionTaskExecutor;
use sc_transaction_pool_api::TransactionPool;
use sp_api::ProvideRuntimeApi;
use sp_block_builder::BlockBuilder;
use sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata};
use telemed_runtime::{opaque::Block, AccountId, Balance, BlockNumber, Hash, Nonce};

/// What the GRANDPA RPC needs from the running voter.
pub struct GrandpaDeps<B> {
	/// The voter's view of the current round.
	pub shared_voter_state: SharedVoterState,
	/// The current authority set.
	pub shared_authority_set: SharedAuthoritySet<Hash, BlockNumber>,
	/// New justifications, for `grandpa_subscribeJustifications`.
	pub justification_stream: GrandpaJustificationStream<Block>,
	/// Runs subscriptions.
	pub subscription_executor: SubscriptionTaskExecutor,
	/// Builds finality proofs for `grandpa_proveFinality`.
	pub finality_provider: Arc<FinalityProofProvider<B, Block>>,
}

/// Everything the RPC extensions need.
pub struct FullDeps<C, P, B> {
	/// The client.
	pub client: Arc<C>,
	/// The transaction pool.
	pub pool: Arc<P>,
	/// GRANDPA.
	pub grandpa: GrandpaDeps<B>,
}

/// Builds the RPC extensions of a full node.
pub fn create_full<C, P, B>(
	deps: FullDeps<C, P, B>,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
	C: ProvideRuntimeApi<Block>,
	C: HeaderBackend<Block> + HeaderMetadata<Block, Error = BlockChainError> + 'static,
	C: Send + Sync + 'static,
	C::Api: substrate_frame_rpc_system::AccountNonceApi<Block, AccountId, Nonce>,
	C::Api: pallet_transaction_payment_rpc::TransactionPaymentRuntimeApi<Block, Balance>,
	C::Api: BlockBuilder<Block>,
	C::Api: pallet_practitioners_runtime_api::PractitionersApi<Block, AccountId>,
	C::Api: pallet_consent_runtime_api::ConsentApi<
		Block,
		AccountId,
		pallet_consent::ConsentOf<telemed_runtime::Runtime>,
		Balance,
	>,
	C::Api: pallet_records_runtime_api::RecordsApi<
		Block,
		AccountId,
		Balance,
		pallet_records::RecordOf<telemed_runtime::Runtime>,
		pallet_records::KeyEnvelopeOf<telemed_runtime::Runtime>,
		pallet_records::DeviceOf<telemed_runtime::Runtime>,
	>,
	P: TransactionPool + 'static,
	B: sc_client_api::Backend<Block> + Send + Sync + 'static,
	B::State: sc_client_api::StateBackend<sp_runtime::traits::HashingFor<Block>>,
{
	use crate::telemed_rpc::{Telemed, TelemedApiServer};
	use pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer};
	use substrate_frame_rpc_system::{System, SystemApiServer};

	let mut module = RpcModule::new(());
	let FullDeps { client, pool, grandpa } = deps;

	module.merge(System::new(client.clone(), pool).into_rpc())?;
	module.merge(TransactionPayment::new(client.clone()).into_rpc())?;
	module.merge(Telemed::new(client).into_rpc())?;
	module.merge(
		Grandpa::new(
			grandpa.subscription_executor,
			grandpa.shared_authority_set,
			grandpa.shared_voter_state,
			grandpa.justification_stream,
			grandpa.finality_provider,
		)
		.into_rpc(),
	)?;

	Ok(module)
}

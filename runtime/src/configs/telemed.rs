//! Configuration of the Telemed domain pallets: practitioners, consent, records, billing,
//! prescriptions.
//!
//! Their admin calls take the governance origins of `governance.rs`: licensing authorities and
//! insurers need 2/3 of the council; break-glass reviews and billing disputes a council
//! majority (root too, on the `development` chain only).

use frame_support::{
	parameter_types,
	traits::{ConstU32, ConstU64},
};
use sp_runtime::Permill;

use super::{CouncilMajority, CouncilTwoThirds, TreasuryAccount};
use crate::{
	Balance, Balances, Consent, Practitioners, Prescriptions, Records, Runtime, RuntimeEvent,
	RuntimeHoldReason, Timestamp, MILLI_UNITS, UNITS,
};

parameter_types! {
	/// Held from a practitioner while registered: pays for the profile's storage (at most a few
	/// hundred bytes) and makes mass registration costly.
	pub const PractitionerDeposit: Balance = 10 * UNITS;
}

impl pallet_practitioners::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Time = Timestamp;
	type GovernanceOrigin = CouncilTwoThirds;
	type RegistrationDeposit = PractitionerDeposit;
	/// Long enough for "Dr …" with titles, or a board's full name.
	type MaxNameLength = ConstU32<64>;
	/// Every role there is.
	type MaxRoles = ConstU32<8>;
	type MaxSpecialties = ConstU32<8>;
	/// A national board with its regions.
	type MaxJurisdictionsPerAuthority = ConstU32<16>;
	/// A national board per country with room to spare, or a federation's boards. Every
	/// licence lookup reads the table of all of them (about 150 bytes each at most).
	type MaxAuthorities = ConstU32<64>;
	/// Licences in several jurisdictions and roles, with room for ended ones until the
	/// practitioner deregisters.
	type MaxLicencesPerPractitioner = ConstU32<16>;
	/// A licence revoked for good (or surrendered, or ended by its authority's withdrawal)
	/// queues its holder for records' `on_idle`, which removes the envelopes it may no longer
	/// read, and flags for good the open prescriptions the holder issued until then.
	type LicenceRevocation = (Records, Prescriptions);
	type WeightInfo = pallet_practitioners::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// Held from whoever grants a consent until it is cleaned up (a consent is under 200 bytes).
	pub const ConsentDeposit: Balance = 100 * MILLI_UNITS;
	/// Held from a patient for each delegate.
	pub const DelegateDeposit: Balance = 100 * MILLI_UNITS;
	/// Held from a practitioner who breaks the glass until the access is reviewed: enough that
	/// an unjustified access costs something.
	pub const EmergencyDeposit: Balance = 10 * UNITS;
}

impl pallet_consent::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Time = Timestamp;
	type Practitioners = Practitioners;
	type Records = Records;
	/// Revoking or cleaning up a consent removes the grantee's envelopes in the same call.
	type Envelopes = Records;
	type ReviewOrigin = CouncilMajority;
	/// The deposit of an emergency access the council finds unjustified goes to the treasury.
	type SlashBeneficiary = TreasuryAccount;
	type ConsentDeposit = ConsentDeposit;
	type DelegateDeposit = DelegateDeposit;
	type EmergencyDeposit = EmergencyDeposit;
	/// Four hours.
	type EmergencyAccessDuration = ConstU64<{ 4 * 60 * 60 * 1000 }>;
	type MaxConsentsPerPatient = ConstU32<64>;
	/// What an access check reads at most: the patient's consents to the accessor.
	type MaxConsentsPerGrantee = ConstU32<8>;
	type MaxScopeItems = ConstU32<16>;
	type MaxDelegatesPerPatient = ConstU32<8>;
	/// Per (patient, practitioner): one practitioner's unreviewed accesses never block another.
	type MaxPendingReviews = ConstU32<16>;
	/// The last 256 accesses stay in state; the events keep every one.
	type MaxDisclosuresPerPatient = ConstU32<256>;
	type WeightInfo = pallet_consent::weights::SubstrateWeight<Runtime>;
}

impl pallet_skip_feeless_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
}

parameter_types! {
	/// Held from a patient while registered.
	pub const PatientDeposit: Balance = 1 * UNITS;
	/// Held from a record version's author until the record is shredded: a version is at most
	/// about 450 bytes (a 64-byte resource type and a 256-byte locator).
	pub const RecordDeposit: Balance = 200 * MILLI_UNITS;
	/// Held from whoever adds a key envelope (at most about 250 bytes) until it is removed.
	pub const EnvelopeDeposit: Balance = 100 * MILLI_UNITS;
	/// Held from a patient for each wearable device.
	pub const DeviceDeposit: Balance = 200 * MILLI_UNITS;
}

impl pallet_records::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Time = Timestamp;
	type Practitioners = Practitioners;
	type Consent = Consent;
	type Delegation = Consent;
	type Disclosures = Consent;
	type PatientDeposit = PatientDeposit;
	type RecordDeposit = RecordDeposit;
	type EnvelopeDeposit = EnvelopeDeposit;
	type DeviceDeposit = DeviceDeposit;
	/// An IPFS CID with a gateway, or an https URL with a signed query, sealed by the client
	/// (an AEAD adds its nonce and tag).
	type MaxLocatorLen = ConstU32<256>;
	/// An ephemeral X25519 key, a nonce, a 32-byte key and a tag come to about 100 bytes;
	/// room for HPKE encapsulations.
	type MaxEnvelopeLen = ConstU32<160>;
	/// A lifetime of encounters, results and documents; amendments count.
	type MaxRecordsPerPatient = ConstU32<1024>;
	type MaxVersions = ConstU32<16>;
	/// The patient, their delegates and the clinicians of a care team.
	type MaxEnvelopesPerRecord = ConstU32<16>;
	/// What one grantee may hold of one patient's record versions: a care team's working set.
	/// Bounds the envelopes removed in the call that ends a consent, which is charged for all
	/// of them up front (refunded to what was removed): with today's (copied, not yet
	/// regenerated) per-envelope weight, 64 keeps that charge near a sixth of a block. At most
	/// `MaxRecordsPerPatient` (the benchmarks give a grantee this many versions' envelopes).
	type MaxEnvelopesPerGrantee = ConstU32<64>;
	type MaxDevicesPerPatient = ConstU32<8>;
	/// Revoked grantees waiting for `on_idle` (which takes one a block or more when blocks
	/// have room): far above the revocations a week of blocks sees. When full, a revocation
	/// still succeeds and the holder is not queued (`RevocationQueueFull`).
	type MaxRevocationQueue = ConstU32<1024>;
	type WeightInfo = pallet_records::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// 1 % of every payout to a practitioner.
	pub const NetworkFee: Permill = Permill::from_percent(1);
	/// Half the price for cancelling an accepted visit before its time.
	pub const CancellationFee: Permill = Permill::from_percent(50);
	/// Held for each service of a fee schedule (an entry is under 200 bytes).
	pub const ServiceDeposit: Balance = 100 * MILLI_UNITS;
	/// Held from the booker of each consultation until it is reaped: a consultation is under
	/// 300 bytes, its claim under 160.
	pub const ConsultationDeposit: Balance = 200 * MILLI_UNITS;
	/// Held from whoever disputes a visit: back if the dispute is upheld (or the arbiter is
	/// silent), paid to the practitioner if rejected. Small next to a visit's price, enough
	/// that disputing is not free.
	pub const DisputeBond: Balance = UNITS;
}

impl pallet_billing::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Time = Timestamp;
	type Practitioners = Practitioners;
	type Consent = Consent;
	type Delegation = Consent;
	type GovernanceOrigin = CouncilTwoThirds;
	type ArbiterOrigin = CouncilMajority;
	/// The network fee of every payout goes to the treasury (which exists from genesis, so a
	/// fee under the existential deposit still reaches it).
	type FeeDestination = TreasuryAccount;
	type NetworkFee = NetworkFee;
	type CancellationFee = CancellationFee;
	type ServiceDeposit = ServiceDeposit;
	/// Two days to dispute a delivered visit.
	type DisputeWindow = ConstU64<{ 48 * 60 * 60 * 1000 }>;
	/// Thirty days for an insurer to answer a claim.
	type ClaimDeadline = ConstU64<{ 30 * 24 * 60 * 60 * 1000 }>;
	/// A visit not delivered a day after its end is a no-show.
	type NoShowGrace = ConstU64<{ 24 * 60 * 60 * 1000 }>;
	type DisputeBond = DisputeBond;
	/// Fourteen days for the arbiter (the council) to decide a dispute; then anyone may close
	/// it by the default, an even split.
	type DisputeDeadline = ConstU64<{ 14 * 24 * 60 * 60 * 1000 }>;
	type ConsultationDeposit = ConsultationDeposit;
	type MaxNameLen = ConstU32<64>;
	type MaxCovered = ConstU32<32>;
	type MaxServices = ConstU32<32>;
	type MaxOpenConsultations = ConstU32<64>;
	type WeightInfo = pallet_billing::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// Held from the prescriber for each open prescription: one is at most about 1.2 KB (the
	/// most fills' secret hashes, spent ones too, and the longest locator).
	pub const PrescriptionDeposit: Balance = 200 * MILLI_UNITS;
}

impl pallet_prescriptions::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Time = Timestamp;
	type Practitioners = Practitioners;
	/// A controlled substance needs the patient's consent to the pharmacist.
	type Consent = Consent;
	type PrescriptionDeposit = PrescriptionDeposit;
	/// A first fill and eleven refills: a year of monthly supplies.
	type MaxFills = ConstU32<12>;
	/// A year, the longest a repeat prescription runs.
	type MaxValidity = ConstU64<{ 365 * 24 * 60 * 60 * 1000 }>;
	/// Seven days between two fills of a controlled substance.
	type MinRefillInterval = ConstU64<{ 7 * 24 * 60 * 60 * 1000 }>;
	/// As a record's sealed locator.
	type MaxLocatorLen = ConstU32<256>;
	/// Open prescriptions of one patient: long-term treatments and their repeats.
	type MaxPrescriptionsPerPatient = ConstU32<64>;
	type WeightInfo = pallet_prescriptions::weights::SubstrateWeight<Runtime>;
}

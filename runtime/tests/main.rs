//! The runtime's integration tests, one test binary: every suite drives the real runtime
//! (genesis from a named preset, signed transactions through `Executive`). One binary instead
//! of one per suite saves a link of the whole runtime per suite in every build.

mod common;

mod billing;
mod consent;
mod emergency_custodian;
mod fees;
mod fuzz;
mod governance;
mod licence_revocation;
mod practitioners;
mod prescriptions;
mod privacy;
mod proxy;
mod records;
mod runtime;
mod treasury;
mod upgrade;
mod weights;

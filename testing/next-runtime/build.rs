//! Builds the next runtime's wasm blob, with the metadata hash (as the node's default build
//! does for the current runtime, so the two differ in nothing but the release).

#[cfg(feature = "std")]
fn main() {
	substrate_wasm_builder::WasmBuilder::init_with_defaults()
		.enable_metadata_hash("MED", 12)
		.build();
}

/// The wasm builder is deactivated when compiling for wasm itself.
#[cfg(not(feature = "std"))]
fn main() {}

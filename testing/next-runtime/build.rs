//! Builds the next runtime's wasm blob, with the metadata hash (as the node's default build
//! does for the current runtime, so the two differ in nothing but the release).

#[cfg(feature = "std")]
fn main() {
	share_wasm_target();
	substrate_wasm_builder::WasmBuilder::init_with_defaults()
		.enable_metadata_hash("MED", 12)
		.build();
}

/// The wasm builder gives every runtime crate a wasm target dir of its own
/// (`wbuild/<crate>/target`), so this blob would compile every wasm dependency of the runtime a
/// second time (minutes from nothing). It is the node's runtime with two features more
/// (`upgrade-test`, `try-runtime`): with its target dir pointing at the node runtime's, cargo
/// reuses every dependency whose features are the same (those below `sp-runtime`: codec,
/// `sp-core`, `sp-io`…) and compiles again only those that `try-runtime` changes (FRAME and the
/// pallets) and the runtime itself (the two blobs have different names; cargo's lock serialises
/// the builds).
#[cfg(all(feature = "std", unix))]
fn share_wasm_target() {
	use std::{env, fs, path::PathBuf};

	let Some(out_dir) = env::var_os("OUT_DIR").map(PathBuf::from) else { return };
	// OUT_DIR is <target>/<profile>/build/<crate>-<hash>/out; the wasm workspace is
	// <target>/<profile>/wbuild, found the way the wasm builder finds it.
	let Some(profile_dir) =
		out_dir.ancestors().find(|p| p.ends_with("build")).and_then(|p| p.parent())
	else {
		return;
	};
	let wbuild = profile_dir.join("wbuild");
	let own = wbuild.join("telemed-runtime-next");
	let link = own.join("target");
	if fs::read_link(&link).is_ok() {
		return;
	}
	let shared = wbuild.join("telemed-runtime").join("target");
	if let Err(e) = fs::create_dir_all(&shared).and_then(|_| fs::create_dir_all(&own)) {
		println!("cargo:warning=the next runtime builds its wasm dependencies again: {e}");
		return;
	}
	// A target dir of its own from an earlier build: only a cache.
	if link.is_dir() {
		let _ = fs::remove_dir_all(&link);
	}
	if let Err(e) = std::os::unix::fs::symlink("../telemed-runtime/target", &link) {
		println!("cargo:warning=the next runtime builds its wasm dependencies again: {e}");
	}
}

/// Elsewhere the blob keeps a wasm target dir of its own.
#[cfg(all(feature = "std", not(unix)))]
fn share_wasm_target() {}

/// The wasm builder is deactivated when compiling for wasm itself.
#[cfg(not(feature = "std"))]
fn main() {}

//! What substrate-wasm-builder asks of binaryen's `wasm-opt`, for a runtime built for
//! `wasm32v1-none`, without compiling binaryen.
//!
//! The workspace's `[patch.crates-io]` puts this crate in the place of `wasm-opt` 0.116 (the
//! Rust bindings to binaryen). Building those compiles binaryen's C++: 13 min of CPU, the longest
//! unit of every build from nothing, and the start of the chain every runtime blob waits for
//! (cargo schedules it late: in CI from nothing the wasm builds began after 37 min).
//!
//! substrate-wasm-builder 35 makes two calls, both at binaryen's opt-level 0 (no optimisation):
//! - the compact blob (release): `new_opt_level_0().mvp_features_only().debug_info(true)` with
//!   the passes `StripDwarf` and `SignextLowering`;
//! - debug builds: `new_opt_level_0().debug_info(true)` with `SignextLowering`, in place.
//!
//! For a module built for `wasm32v1-none` those mean:
//! - **features**: the target is WebAssembly 1.0 (the MVP and mutable globals), what
//!   `mvp_features_only` asks binaryen to accept. The input is validated against exactly that
//!   set (`wasmparser`'s `WASM1`); anything beyond it is refused with the validator's message.
//! - **`SignextLowering`** rewrites the sign-extension instructions into MVP shifts. The target
//!   emits none (and the validation above proves it for every module this crate writes), so
//!   there is nothing to lower. A module that has them was built for another target (the
//!   precompiled `std` of `wasm32-unknown-unknown` uses them since Rust 1.82): it is refused,
//!   naming the target to build for, rather than passed on.
//! - **`StripDwarf`** removes the DWARF debug sections (custom sections named `.debug_*`).
//! - **`debug_info(true)`** keeps the name section. Without it the name section goes as well.
//!
//! The output is the input re-encoded by `wasm-encoder` (as binaryen writes its IR back, with
//! minimal LEB128s), less the sections removed: the same types, functions, instructions, data and
//! custom sections (the runtime's `runtime_version` and `runtime_apis` among them), validated
//! again before it is written.
//!
//! Only the calls above exist: a builder that asks for another pass or level does not compile
//! against this crate, so a change of substrate-wasm-builder cannot be served silently.

use std::{convert::Infallible, fmt, fs, io, path::Path};

use wasm_encoder::{
	reencode::{self, Reencode},
	Module,
};
use wasmparser::{Parser, Validator, WasmFeatures};

/// The passes substrate-wasm-builder adds (binaryen's names in the comments).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Pass {
	/// `strip-dwarf`: remove the DWARF debug sections.
	StripDwarf,
	/// `signext-lowering`: lower sign-extension instructions to MVP ones (none may be present).
	SignextLowering,
}

/// How a module is processed: binaryen's opt-level 0, its feature baseline, debug info and
/// passes.
#[derive(Clone, Debug)]
pub struct OptimizationOptions {
	mvp_features_only: bool,
	debug_info: bool,
	passes: Vec<Pass>,
}

/// Why a module could not be processed.
#[derive(Debug)]
pub enum OptimizationError {
	/// The input could not be read.
	Read(io::Error),
	/// The output could not be written.
	Write(io::Error),
	/// The input is not a valid module for the feature set asked for (the validator's message).
	ValidateWasmInput(String),
	/// The output did not validate (a fault of this crate, never of the input).
	ValidateWasmOutput(String),
}

impl fmt::Display for OptimizationError {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			Self::Read(e) => write!(f, "failed to read the module: {e}"),
			Self::Write(e) => write!(f, "failed to write the module: {e}"),
			Self::ValidateWasmInput(why) => write!(f, "failed to validate the module: {why}"),
			Self::ValidateWasmOutput(why) => {
				write!(f, "the module written does not validate: {why}")
			},
		}
	}
}

impl std::error::Error for OptimizationError {
	fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
		match self {
			Self::Read(e) | Self::Write(e) => Some(e),
			Self::ValidateWasmInput(_) | Self::ValidateWasmOutput(_) => None,
		}
	}
}

impl OptimizationOptions {
	/// Binaryen's opt-level 0: no optimisation, only the passes added. Binaryen's default
	/// features (those of 0.116: sign extension and mutable globals) and no debug info.
	pub fn new_opt_level_0() -> Self {
		Self { mvp_features_only: false, debug_info: false, passes: Vec::new() }
	}

	/// Accept WebAssembly 1.0 only (the MVP and mutable globals).
	pub fn mvp_features_only(&mut self) -> &mut Self {
		self.mvp_features_only = true;
		self
	}

	/// Keep the name section (`true`) or drop it.
	pub fn debug_info(&mut self, value: bool) -> &mut Self {
		self.debug_info = value;
		self
	}

	/// Run a pass.
	pub fn add_pass(&mut self, pass: Pass) -> &mut Self {
		self.passes.push(pass);
		self
	}

	/// Reads the module at `infile`, validates it and writes the result to `outfile` (which may
	/// be `infile`). Nothing is written when the module is refused.
	pub fn run(
		&self,
		infile: impl AsRef<Path>,
		outfile: impl AsRef<Path>,
	) -> Result<(), OptimizationError> {
		let input = fs::read(infile).map_err(OptimizationError::Read)?;
		let output = self.process(&input)?;
		fs::write(outfile, output).map_err(OptimizationError::Write)
	}

	/// The module's features: WebAssembly 1.0, and sign extension too unless
	/// `mvp_features_only` (binaryen 0.116's default set). With `SignextLowering` sign extension
	/// is never accepted: this crate cannot lower it, and it must not reach the output.
	fn features(&self) -> WasmFeatures {
		let mut features = WasmFeatures::WASM1;
		if !self.mvp_features_only && !self.passes.contains(&Pass::SignextLowering) {
			features |= WasmFeatures::SIGN_EXTENSION;
		}
		features
	}

	/// Whether a custom section is removed.
	fn strips(&self, name: &str) -> bool {
		(self.passes.contains(&Pass::StripDwarf) && name.starts_with(".debug_"))
			|| (!self.debug_info && name == "name")
	}

	/// The module `input`, validated, less the sections removed.
	pub fn process(&self, input: &[u8]) -> Result<Vec<u8>, OptimizationError> {
		let features = self.features();
		Validator::new_with_features(features).validate_all(input).map_err(|e| {
			let hint = if self.passes.contains(&Pass::SignextLowering)
				&& Validator::new_with_features(features | WasmFeatures::SIGN_EXTENSION)
					.validate_all(input)
					.is_ok()
			{
				" (the module uses sign-extension instructions, which this build does not \
				 lower: build the runtime for wasm32v1-none, as rust-toolchain.toml installs it)"
			} else {
				""
			};
			OptimizationError::ValidateWasmInput(format!("{e}{hint}"))
		})?;

		let mut module = Module::new();
		Reencoder { options: self }.parse_core_module(&mut module, Parser::new(0), input).map_err(
			|e| {
				OptimizationError::ValidateWasmInput(match e {
					reencode::Error::ParseError(e) => e.to_string(),
					e => e.to_string(),
				})
			},
		)?;
		let output = module.finish();
		// Re-encoding cannot add a feature; checked anyway, since the blob is a runtime.
		Validator::new_with_features(features)
			.validate_all(&output)
			.map_err(|e| OptimizationError::ValidateWasmOutput(e.to_string()))?;
		Ok(output)
	}
}

/// Re-encodes every section as `wasm-encoder` writes it (what binaryen's write does too:
/// wasm-ld pads the indices it relocates to five-byte LEB128s, which the re-encoding makes
/// minimal: 7 % of the runtime's code section), and leaves out the custom sections removed.
struct Reencoder<'a> {
	options: &'a OptimizationOptions,
}

impl Reencode for Reencoder<'_> {
	type Error = Infallible;

	fn parse_custom_section(
		&mut self,
		module: &mut Module,
		section: wasmparser::CustomSectionReader<'_>,
	) -> Result<(), reencode::Error> {
		if self.options.strips(section.name()) {
			return Ok(());
		}
		reencode::utils::parse_custom_section(self, module, section)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use wasmparser::Payload;

	// A module in the text format's binary encoding, written out by hand so that the test needs
	// no assembler: a function `f(i32) -> i32` exported, a mutable global, then custom sections.
	// `body` is the function's code (after its locals).
	fn module(body: &[u8], customs: &[(&str, &[u8])]) -> Vec<u8> {
		let mut m = Module::new();
		let mut types = wasm_encoder::TypeSection::new();
		types.ty().function([wasm_encoder::ValType::I32], [wasm_encoder::ValType::I32]);
		m.section(&types);
		let mut functions = wasm_encoder::FunctionSection::new();
		functions.function(0);
		m.section(&functions);
		let mut globals = wasm_encoder::GlobalSection::new();
		globals.global(
			wasm_encoder::GlobalType {
				val_type: wasm_encoder::ValType::I32,
				mutable: true,
				shared: false,
			},
			&wasm_encoder::ConstExpr::i32_const(0),
		);
		m.section(&globals);
		let mut exports = wasm_encoder::ExportSection::new();
		exports.export("f", wasm_encoder::ExportKind::Func, 0);
		m.section(&exports);
		let mut code = wasm_encoder::CodeSection::new();
		let mut f = wasm_encoder::Function::new([]);
		f.raw(body.iter().copied());
		code.function(&f);
		m.section(&code);
		for (name, data) in customs {
			m.section(&wasm_encoder::CustomSection { name: (*name).into(), data: (*data).into() });
		}
		m.finish()
	}

	// local.get 0; end
	const IDENTITY: &[u8] = &[0x20, 0x00, 0x0b];
	// local.get 0; i32.extend8_s; end
	const SIGN_EXTENDS: &[u8] = &[0x20, 0x00, 0xc0, 0x0b];
	// f32.const 0; i32.trunc_sat_f32_s (saturating float to int, WebAssembly 2.0); drop;
	// local.get 0; end
	const SATURATES: &[u8] = &[0x43, 0, 0, 0, 0, 0xfc, 0x00, 0x1a, 0x20, 0x00, 0x0b];

	fn compact() -> OptimizationOptions {
		let mut o = OptimizationOptions::new_opt_level_0();
		o.mvp_features_only()
			.debug_info(true)
			.add_pass(Pass::StripDwarf)
			.add_pass(Pass::SignextLowering);
		o
	}

	fn custom_names(wasm: &[u8]) -> Vec<String> {
		Parser::new(0)
			.parse_all(wasm)
			.filter_map(|p| match p.unwrap() {
				Payload::CustomSection(s) => Some(s.name().to_string()),
				_ => None,
			})
			.collect()
	}

	// A name section naming the function.
	fn names() -> Vec<u8> {
		let mut names = wasm_encoder::NameSection::new();
		let mut functions = wasm_encoder::NameMap::new();
		functions.append(0, "f");
		names.functions(&functions);
		names.as_custom().data.into_owned()
	}

	#[test]
	fn the_compact_blob_loses_dwarf_only_and_keeps_everything_else() {
		let names = names();
		let customs: &[(&str, &[u8])] = &[
			("runtime_version", b"\x01\x02"),
			(".debug_info", b"dwarf"),
			("name", &names),
			(".debug_line", b"lines"),
			("runtime_apis", b"\x03"),
		];
		let input = module(IDENTITY, customs);
		let output = compact().process(&input).unwrap();
		assert_eq!(custom_names(&output), ["runtime_version", "name", "runtime_apis"]);
		let kept: Vec<_> =
			customs.iter().filter(|(n, _)| !n.starts_with(".debug_")).copied().collect();
		assert_eq!(output, module(IDENTITY, &kept));
		Validator::new_with_features(WasmFeatures::WASM1).validate_all(&output).unwrap();
	}

	#[test]
	fn without_debug_info_the_name_section_goes_too() {
		let input = module(IDENTITY, &[("name", &names()), ("runtime_version", b"\x01")]);
		let mut o = compact();
		o.debug_info(false);
		assert_eq!(custom_names(&o.process(&input).unwrap()), ["runtime_version"]);
	}

	#[test]
	fn without_strip_dwarf_the_debug_sections_stay() {
		let input = module(IDENTITY, &[(".debug_info", b"dwarf")]);
		let mut o = OptimizationOptions::new_opt_level_0();
		o.debug_info(true).add_pass(Pass::SignextLowering);
		assert_eq!(o.process(&input).unwrap(), input);
	}

	#[test]
	fn padded_leb128s_are_made_minimal() {
		// local.get with its index padded to five bytes, as wasm-ld leaves relocated indices.
		let padded = module(&[0x20, 0x80, 0x80, 0x80, 0x80, 0x00, 0x0b], &[]);
		assert_eq!(compact().process(&padded).unwrap(), module(IDENTITY, &[]));
	}

	#[test]
	fn sign_extension_is_refused_naming_the_target_and_nothing_is_written() {
		let input = module(SIGN_EXTENDS, &[]);
		let dir = std::env::temp_dir().join(format!("wasm-opt-test-{}", std::process::id()));
		fs::create_dir_all(&dir).unwrap();
		let (infile, outfile) = (dir.join("in.wasm"), dir.join("out.wasm"));
		fs::write(&infile, &input).unwrap();
		let err = compact().run(&infile, &outfile).unwrap_err();
		assert!(
			matches!(&err, OptimizationError::ValidateWasmInput(why) if why.contains("wasm32v1-none")),
			"{err}"
		);
		assert!(!outfile.exists());
		// The debug build's call (binaryen's default features, SignextLowering) refuses it too.
		let mut debug = OptimizationOptions::new_opt_level_0();
		debug.debug_info(true).add_pass(Pass::SignextLowering);
		assert!(debug.run(&infile, &infile).is_err());
		assert_eq!(fs::read(&infile).unwrap(), input);
		fs::remove_dir_all(&dir).unwrap();
	}

	#[test]
	fn sign_extension_passes_only_when_nothing_asks_to_lower_it() {
		let input = module(SIGN_EXTENDS, &[]);
		assert_eq!(OptimizationOptions::new_opt_level_0().process(&input).unwrap(), input);
	}

	#[test]
	fn other_post_mvp_features_are_refused_without_the_sign_extension_hint() {
		let input = module(SATURATES, &[]);
		let err = compact().process(&input).unwrap_err().to_string();
		assert!(err.starts_with("failed to validate the module"), "{err}");
		assert!(!err.contains("wasm32v1-none"), "{err}");
	}

	#[test]
	fn garbage_and_components_are_refused() {
		assert!(compact().process(b"not wasm").is_err());
		// The preamble of a component: magic, version 0x0d, layer 1.
		assert!(compact().process(b"\0asm\x0d\x00\x01\x00").is_err());
	}

	#[test]
	fn a_missing_input_is_a_read_error() {
		let err = compact().run("/nonexistent/in.wasm", "/nonexistent/out.wasm").unwrap_err();
		assert!(matches!(err, OptimizationError::Read(_)), "{err}");
	}
}

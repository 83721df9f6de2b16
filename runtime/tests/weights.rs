//! The generated weight files (each pallet's `weights.rs`, the runtime's `src/weights/`) against
//! the benchmark runs that wrote them: no call may be charged less, at its components' lowest
//! values, than the fastest execution its own run measured (`Minimum execution time`, in the
//! file), with 5 % for the fit's rounding. A linear fit taken from points far from the lowest
//! can land below every measurement there (session 24's first records run charged a small
//! `shred_record` a quarter of its cost); this refuses such a run when it is committed.
//! Reads and writes are charged apart (`DbWeight`) and do not enter the comparison.

use std::{fs, path::PathBuf};

/// A weight function of a generated file, as its run measured and fitted it.
#[derive(Debug, PartialEq)]
struct Fitted {
	name: String,
	/// The run's fastest execution of the benchmark, in picoseconds.
	minimum: u128,
	/// The function's execution weight at every component's lowest value, in picoseconds.
	lowest: u128,
}

impl Fitted {
	/// Whether the fit charges at least 95 % of the fastest execution measured.
	fn honest(&self) -> bool {
		self.lowest.saturating_mul(100) >= self.minimum.saturating_mul(95)
	}
}

/// `12_345` → 12345.
fn number(text: &str) -> Option<u128> {
	text.trim().replace('_', "").parse().ok()
}

/// The first argument of the first `Weight::from_parts(` in `line`: its execution time.
fn ref_time(line: &str) -> Option<u128> {
	let (_, args) = line.split_once("Weight::from_parts(")?;
	number(args.split_once(',')?.0)
}

/// The functions of a generated weight file that carry their run's minimum (the benchmarks'
/// implementation; the copy for tests and mocks carries none). For each: the base execution
/// weight plus each component's slope times its lowest value (`The range of component `c` is
/// `[lo, hi]``, above the function).
fn fits(text: &str) -> Vec<Fitted> {
	let mut found = Vec::new();
	let mut lowest_of: Vec<(String, u128)> = Vec::new();
	let mut lines = text.lines();
	while let Some(line) = lines.next() {
		let line = line.trim();
		if let Some(range) = line.strip_prefix("/// The range of component `") {
			let Some((component, bounds)) = range.split_once("` is `[") else { continue };
			if let Some(low) = bounds.split_once(',').and_then(|(low, _)| number(low)) {
				lowest_of.push((component.to_string(), low));
			}
			continue;
		}
		let Some(signature) = line.strip_prefix("fn ") else { continue };
		if !signature.ends_with("-> Weight {") {
			continue;
		}
		let name = signature.split('(').next().unwrap_or_default().to_string();
		let (mut minimum, mut base, mut slopes) = (None, None, 0u128);
		for body in lines.by_ref() {
			let body = body.trim();
			if body == "}" {
				break;
			}
			if let Some(time) = body.strip_prefix("// Minimum execution time: ") {
				minimum = time.strip_suffix(" picoseconds.").and_then(number);
			} else if base.is_none() && body.contains("Weight::from_parts(") {
				base = ref_time(body);
			} else if let Some((weight, by)) = body.split_once(").saturating_mul(") {
				// `.saturating_add(Weight::from_parts(SLOPE, 0).saturating_mul(c.into()))`;
				// the reads' and writes' slopes name no `Weight::from_parts`.
				let (Some(slope), Some(component)) = (ref_time(weight), by.split('.').next())
				else {
					continue;
				};
				let low = lowest_of.iter().find(|(c, _)| c == component).map_or(0, |(_, l)| *l);
				slopes = slopes.saturating_add(slope.saturating_mul(low));
			}
		}
		if let (Some(minimum), Some(base)) = (minimum, base) {
			found.push(Fitted { name, minimum, lowest: base.saturating_add(slopes) });
		}
		lowest_of.clear();
	}
	found
}

/// Every generated weight file of the workspace.
fn weight_files() -> Vec<PathBuf> {
	let runtime = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
	let mut files: Vec<PathBuf> = fs::read_dir(runtime.join("src/weights"))
		.expect("runtime/src/weights")
		.map(|entry| entry.expect("a directory entry").path())
		.collect();
	for pallet in fs::read_dir(runtime.join("../pallets")).expect("pallets/") {
		let file = pallet.expect("a directory entry").path().join("src/weights.rs");
		if file.exists() {
			files.push(file);
		}
	}
	files.sort();
	files
}

#[test]
fn no_weight_is_fitted_below_what_its_run_measured() {
	let (mut checked, mut minimums) = (0, 0);
	let mut below = Vec::new();
	for file in weight_files() {
		let text = fs::read_to_string(&file).expect("a readable weight file");
		minimums += text.matches("// Minimum execution time: ").count();
		for fitted in fits(&text) {
			checked += 1;
			if !fitted.honest() {
				below.push(format!("{}: {fitted:?}", file.display()));
			}
		}
	}
	// Every function that carries a minimum was read (139 in session 25: the Telemed pallets'
	// calls, the runtime's upstream pallets and transaction extensions).
	assert!(checked > 100, "only {checked} weight functions found: has the format changed?");
	assert_eq!(checked, minimums, "a weight function the check could not read");
	assert!(below.is_empty(), "fitted below their run's minimum:\n{}", below.join("\n"));
}

#[test]
fn the_check_reads_components_and_refuses_a_fit_below_the_minimum() {
	let file = "
	/// The range of component `v` is `[1, 8]`.
	/// The range of component `e` is `[0, 32]`.
	fn shred_record(v: u32, e: u32, ) -> Weight {
		// Minimum execution time: 885_000_000 picoseconds.
		Weight::from_parts(200_000_000, 4000)
			.saturating_add(Weight::from_parts(16_000_000, 0).saturating_mul(v.into()))
			.saturating_add(Weight::from_parts(9_000_000, 0).saturating_mul(e.into()))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(v.into())))
			.saturating_add(Weight::from_parts(0, 2603).saturating_mul(v.into()))
	}
	fn remark(b: u32, ) -> Weight {
		// Minimum execution time: 2_000_000 picoseconds.
		Weight::from_parts(1_950_000, 0)
			.saturating_add(Weight::from_parts(0, 0))
			.saturating_add(Weight::from_parts(476, 0).saturating_mul(b.into()))
	}
	fn remark_for_mocks(b: u32, ) -> Weight {
		Weight::from_parts(1, 0)
	}
	";
	let found = fits(file);
	assert_eq!(
		found,
		vec![
			// 200 + 16 × 1 + 9 × 0 µs, against 885 µs measured.
			Fitted { name: "shred_record".into(), minimum: 885_000_000, lowest: 216_000_000 },
			// A component without a range line counts from 0; 97.5 % of the minimum.
			Fitted { name: "remark".into(), minimum: 2_000_000, lowest: 1_950_000 },
		]
	);
	assert!(!found[0].honest());
	assert!(found[1].honest());
	assert!(!Fitted { name: "x".into(), minimum: 100, lowest: 94 }.honest());
}

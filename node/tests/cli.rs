//! The `telemed-node` binary's command line: chain specs it exports, the chains it starts only
//! when asked by name, and bad input that must make it exit non-zero with a clear message.

use std::{
	io::{BufRead, BufReader, Read},
	net::TcpListener,
	path::PathBuf,
	process::{Command, Output, Stdio},
	sync::mpsc,
	time::{Duration, Instant},
};

fn node() -> Command {
	Command::new(env!("CARGO_BIN_EXE_telemed-node"))
}

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
	fn new(tag: &str) -> Self {
		let nanos = std::time::SystemTime::now()
			.duration_since(std::time::UNIX_EPOCH)
			.expect("clock after 1970")
			.as_nanos();
		let dir =
			std::env::temp_dir().join(format!("telemed-cli-{tag}-{}-{nanos}", std::process::id()));
		std::fs::create_dir_all(&dir).expect("temp dir");
		Self(dir)
	}
}

impl Drop for TempDir {
	fn drop(&mut self) {
		let _ = std::fs::remove_dir_all(&self.0);
	}
}

/// Drains a pipe on its own thread, so a chatty child never blocks on a full pipe.
fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<Vec<u8>> {
	std::thread::spawn(move || {
		let mut buf = Vec::new();
		if let Some(mut pipe) = pipe {
			let _ = pipe.read_to_end(&mut buf);
		}
		buf
	})
}

/// Runs the node to completion, killing it if it is still running after `limit`.
fn run_with_limit(mut cmd: Command, limit: Duration) -> Output {
	let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("node starts");
	let (stdout, stderr) = (drain(child.stdout.take()), drain(child.stderr.take()));
	let start = Instant::now();
	let status = loop {
		if let Some(status) = child.try_wait().expect("wait works") {
			break status;
		}
		if start.elapsed() > limit {
			let _ = child.kill();
			let _ = child.wait();
			panic!(
				"telemed-node still running after {limit:?}; stderr:\n{}",
				String::from_utf8_lossy(&stderr.join().unwrap_or_default())
			);
		}
		std::thread::sleep(Duration::from_millis(100));
	};
	Output {
		status,
		stdout: stdout.join().expect("stdout reader"),
		stderr: stderr.join().expect("stderr reader"),
	}
}

/// Starts the node and waits until a line of its log (stderr) contains `wanted`, then stops it.
/// Panics, with the log, if the node exits first or `limit` passes.
fn run_until_log(mut cmd: Command, wanted: &str, limit: Duration) {
	let mut child = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("node starts");
	let (lines, received) = mpsc::channel();
	let stderr = child.stderr.take().expect("stderr is piped");
	let reader = std::thread::spawn(move || {
		for line in BufReader::new(stderr).lines().map_while(Result::ok) {
			if lines.send(line).is_err() {
				break;
			}
		}
	});
	let start = Instant::now();
	let mut log = Vec::new();
	let found = loop {
		match received.recv_timeout(Duration::from_millis(200)) {
			Ok(line) => {
				let hit = line.contains(wanted);
				log.push(line);
				if hit {
					break true;
				}
			},
			Err(mpsc::RecvTimeoutError::Timeout) => {},
			// The node closed its stderr: it exited.
			Err(mpsc::RecvTimeoutError::Disconnected) => break false,
		}
		if start.elapsed() > limit {
			break false;
		}
	};
	let _ = child.kill();
	let status = child.wait().expect("wait works");
	drop(received);
	let _ = reader.join();
	assert!(
		found,
		"no log line with {wanted:?} within {limit:?} (exit status {status}); log:\n{}",
		log.join("\n")
	);
}

/// Arguments that keep a test node to itself: its own base path, loopback p2p on a free port, a
/// free RPC port, no Prometheus, telemetry or mDNS, and a log without colour codes (so that its
/// lines can be matched).
fn isolated(cmd: &mut Command, dir: &TempDir) {
	let rpc_port =
		TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
	cmd.args([
		"--base-path",
		dir.0.to_str().unwrap(),
		"--listen-addr",
		"/ip4/127.0.0.1/tcp/0",
		"--rpc-port",
		&rpc_port.to_string(),
		"--no-prometheus",
		"--no-telemetry",
		"--no-mdns",
		"--disable-log-color",
	]);
}

fn stderr(out: &Output) -> String {
	String::from_utf8_lossy(&out.stderr).into_owned()
}

fn export_spec(chain: &str) -> serde_json::Value {
	let out = run_with_limit(
		{
			let mut c = node();
			c.args(["export-chain-spec", "--chain", chain]);
			c
		},
		Duration::from_secs(60),
	);
	assert!(out.status.success(), "export-chain-spec failed: {}", stderr(&out));
	serde_json::from_slice(&out.stdout).expect("a JSON chain spec")
}

#[test]
fn dev_and_local_specs_carry_the_token_and_their_validators() {
	for (chain, id, validators) in [("dev", "telemed_dev", 1), ("local", "telemed_local", 4)] {
		let spec = export_spec(chain);
		assert_eq!(spec["id"], id);
		assert_eq!(spec["properties"]["tokenSymbol"], "MED");
		assert_eq!(spec["properties"]["tokenDecimals"], 12);
		// The exported spec carries the preset's genesis as a patch.
		let patch = &spec["genesis"]["runtimeGenesis"]["patch"];
		// Validators are session keys (Aura and GRANDPA take their authorities from them).
		let keys = patch["session"]["keys"].as_array().expect("session keys");
		let set = patch["validatorSet"]["validators"].as_array().expect("validator set");
		assert_eq!((keys.len(), set.len()), (validators, validators), "{chain}");
		assert_eq!(patch["sudo"]["key"].is_string(), chain == "dev", "{chain}: sudo on dev only");

		// The raw spec is what a node actually boots from: its genesis state must build.
		let out = run_with_limit(
			{
				let mut c = node();
				c.args(["export-chain-spec", "--raw", "--chain", chain]);
				c
			},
			Duration::from_secs(60),
		);
		assert!(out.status.success(), "raw export failed: {}", stderr(&out));
		let raw: serde_json::Value = serde_json::from_slice(&out.stdout).expect("raw JSON");
		let top = raw["genesis"]["raw"]["top"].as_object().expect("raw storage");
		// `Aura::Authorities` = twox128("Aura") ++ twox128("Authorities").
		let aura_authorities = "0x57f8dc2f5ab09467896f47300f0424385e0621c4869aa60c02be9adcc98a0d1d";
		let authorities = top[aura_authorities].as_str().expect("Aura authorities are set");
		// SCALE: compact length prefix then 32 bytes per sr25519 key.
		assert_eq!((authorities.len() - 2 - 2) / 64, validators, "{chain}");
	}
}

#[test]
fn a_missing_chain_spec_file_is_an_error() {
	let dir = TempDir::new("missing");
	let missing = dir.0.join("no-such-spec.json");
	let mut cmd = node();
	cmd.args(["--chain", missing.to_str().unwrap(), "--base-path", dir.0.to_str().unwrap()]);
	let out = run_with_limit(cmd, Duration::from_secs(60));
	assert!(!out.status.success());
	let err = stderr(&out);
	assert!(err.contains("no-such-spec.json"), "names the file: {err}");
	assert!(err.to_lowercase().contains("no such file"), "says why: {err}");
}

#[test]
fn a_malformed_chain_spec_is_an_error() {
	let dir = TempDir::new("malformed");
	let spec = dir.0.join("broken.json");
	std::fs::write(&spec, b"{ \"name\": \"Telemed\", \"id\": ").expect("write spec");
	let mut cmd = node();
	cmd.args(["--chain", spec.to_str().unwrap(), "--base-path", dir.0.to_str().unwrap()]);
	let out = run_with_limit(cmd, Duration::from_secs(60));
	assert!(!out.status.success());
	let err = stderr(&out);
	assert!(err.contains("Error parsing spec file"), "says the spec is malformed: {err}");
}

#[test]
fn an_rpc_port_in_use_is_an_error() {
	let dir = TempDir::new("port");
	let taken = TcpListener::bind("127.0.0.1:0").expect("bind a port");
	let port = taken.local_addr().expect("addr").port();
	let mut cmd = node();
	cmd.args([
		"--dev",
		"--base-path",
		dir.0.to_str().unwrap(),
		"--rpc-port",
		&port.to_string(),
		"--listen-addr",
		"/ip4/127.0.0.1/tcp/0",
		"--no-prometheus",
		"--no-telemetry",
		"--no-mdns",
	]);
	let out = run_with_limit(cmd, Duration::from_secs(120));
	assert!(!out.status.success(), "must not run without its RPC port");
	let err = stderr(&out);
	assert!(
		err.contains(&format!("127.0.0.1:{port}")) && err.contains("already in use"),
		"names the address and says it is in use: {err}"
	);
	assert!(err.contains("--rpc-port"), "says what to do: {err}");
	drop(taken);
}

#[test]
fn without_a_chain_the_node_refuses_and_says_what_to_pass() {
	let dir = TempDir::new("nochain");
	let mut cmd = node();
	isolated(&mut cmd, &dir);
	let out = run_with_limit(cmd, Duration::from_secs(60));
	assert!(!out.status.success(), "must not start a chain nobody named");
	let err = stderr(&out);
	assert!(err.contains("no chain given"), "says what is wrong: {err}");
	assert!(err.contains("--dev"), "offers --dev: {err}");
	assert!(err.contains("--chain local"), "offers the local test network: {err}");
	assert!(err.contains("--chain <spec.json>"), "offers a spec file: {err}");
	// Nothing was started: no chain database was created.
	assert!(!dir.0.join("chains").exists(), "no chain data written");
}

#[test]
fn the_local_chain_starts_when_named() {
	let dir = TempDir::new("local");
	let mut cmd = node();
	cmd.args(["--chain", "local"]);
	isolated(&mut cmd, &dir);
	// A non-validator with no peers: it runs and reports itself idle.
	run_until_log(cmd, "Idle (0 peers)", Duration::from_secs(120));
	assert!(dir.0.join("chains").join("telemed_local").exists(), "the local chain's data");
}

#[test]
fn the_dev_chain_starts_and_produces_blocks() {
	let dir = TempDir::new("dev");
	let mut cmd = node();
	cmd.arg("--dev");
	isolated(&mut cmd, &dir);
	// Alice authors alone: block 1 is imported within a few slots.
	run_until_log(cmd, "Imported #1", Duration::from_secs(120));
	assert!(dir.0.join("chains").join("telemed_dev").exists(), "the dev chain's data");
}

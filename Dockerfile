# syntax=docker/dockerfile:1
# Telemed node image: a release build in a builder stage, a slim non-root runtime stage.
#   docker build -t telemed-node .
#   docker run -p 9944:9944 -v telemed-data:/data telemed-node
# runs a development chain (Alice authors alone, sudo is Alice) with RPC on port 9944. For a
# real network, name its spec (the node refuses to start without --chain or --dev):
#   docker run -p 30333:30333 -v telemed-data:/data -v $PWD/spec.json:/spec.json:ro \
#     telemed-node --chain /spec.json
# (a spec made by scripts/new-network.sh; add --prometheus-external to scrape port 9615 from
# outside the container, ops/prometheus/). The health check asks the node's RPC port (9944) for
# GET /health, inside the container: a node run with another --rpc-port needs --health-cmd too.
# Built and checked with podman by scripts/image-test.sh (by hand, not CI: a release build from
# nothing inside the container); ops/README.md says what was checked and how.

FROM docker.io/library/debian:bookworm-slim AS builder
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential clang libclang-dev protobuf-compiler pkg-config libssl-dev git curl ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENV RUSTUP_HOME=/usr/local/rustup CARGO_HOME=/usr/local/cargo PATH=/usr/local/cargo/bin:$PATH
# The system's OpenSSL (libssl-dev here, libssl3 in the image) rather than a vendored one built
# from source for litep2p's WebRTC, as scripts/prerequisites.sh does.
ENV OPENSSL_NO_VENDOR=1
# rustup-init of a pinned release straight from static.rust-lang.org (what sh.rustup.rs's script
# downloads), checked against the SHA-256 published beside it, then the toolchain from there too.
ARG RUSTUP_VERSION=1.29.0
ARG RUSTUP_SHA256=4acc9acc76d5079515b46346a485974457b5a79893cfb01112423c89aeb5aa10
RUN curl --proto '=https' --tlsv1.2 -sSfo /tmp/rustup-init \
      "https://static.rust-lang.org/rustup/archive/${RUSTUP_VERSION}/x86_64-unknown-linux-gnu/rustup-init" \
 && echo "${RUSTUP_SHA256}  /tmp/rustup-init" | sha256sum -c - \
 && chmod +x /tmp/rustup-init \
 && /tmp/rustup-init -y --no-modify-path --profile minimal --default-toolchain none \
 && rm /tmp/rustup-init
WORKDIR /telemed
COPY . .
# The toolchain rust-toolchain.toml names, with rust-src and the wasm target (the runtime's wasm).
RUN rustup toolchain install \
 && cargo build --release --locked -p telemed-node \
 && cp target/release/telemed-node /usr/local/bin/telemed-node

FROM docker.io/library/debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libssl3 curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --uid 1000 --home-dir /home/telemed telemed \
 && mkdir -p /data \
 && chown telemed:telemed /data
COPY --from=builder /usr/local/bin/telemed-node /usr/local/bin/telemed-node
USER telemed
# p2p, JSON-RPC (HTTP and WebSocket), Prometheus.
EXPOSE 30333 9944 9615
VOLUME ["/data"]
# GET /health answers while the node runs and its RPC server is up (peers, syncing).
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD curl -fsS http://127.0.0.1:9944/health || exit 1
ENTRYPOINT ["/usr/local/bin/telemed-node", "--base-path", "/data"]
# A dev chain that produces blocks on its own, its RPC reachable from outside the container.
CMD ["--dev", "--rpc-external"]

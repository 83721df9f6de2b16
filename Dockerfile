# syntax=docker/dockerfile:1
# Telemed node image: a release build in a builder stage, a slim non-root runtime stage.
#   docker build -t telemed-node .
#   docker run -p 9944:9944 -v telemed-data:/data telemed-node
# runs a development chain (Alice authors alone, sudo is Alice) with RPC on port 9944. For a
# real network, name its spec (the node refuses to start without --chain or --dev):
#   docker run -p 30333:30333 -v telemed-data:/data -v $PWD/spec.json:/spec.json:ro \
#     telemed-node --chain /spec.json

FROM docker.io/library/debian:bookworm-slim AS builder
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential clang libclang-dev protobuf-compiler pkg-config git curl ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENV RUSTUP_HOME=/usr/local/rustup CARGO_HOME=/usr/local/cargo PATH=/usr/local/cargo/bin:$PATH
RUN curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --default-toolchain stable
WORKDIR /telemed
COPY . .
# rust-toolchain.toml pulls in rust-src and the wasm target on first use.
RUN cargo build --release --locked -p telemed-node \
 && cp target/release/telemed-node /usr/local/bin/telemed-node

FROM docker.io/library/debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --uid 1000 --home-dir /home/telemed telemed \
 && mkdir -p /data \
 && chown telemed:telemed /data
COPY --from=builder /usr/local/bin/telemed-node /usr/local/bin/telemed-node
USER telemed
# p2p, JSON-RPC (HTTP and WebSocket), Prometheus.
EXPOSE 30333 9944 9615
VOLUME ["/data"]
ENTRYPOINT ["/usr/local/bin/telemed-node", "--base-path", "/data"]
# A dev chain that produces blocks on its own, its RPC reachable from outside the container.
CMD ["--dev", "--rpc-external"]

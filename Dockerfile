# syntax=docker/dockerfile:1
# iamlint in a container, for CI systems that run one (GitLab CI, Jenkins, Buildkite, ...):
#
#   docker build -t iamlint .
#   docker run --rm -v "$PWD:/src" iamlint check infra/
#
# Two stages: the release binary is built with the Rust toolchain, then copied alone into a distroless
# image. The binary links glibc and libgcc_s only (no OpenSSL, no other system library), which
# gcr.io/distroless/cc-debian12 provides; the image has no shell and runs as an unprivileged user.
# (A fully static musl binary would need the musl target and a musl C compiler for mimalloc: not done.)

FROM rust:1-slim-bookworm AS build
WORKDIR /build
# Manifests first (with the bench sources Cargo.toml names), so the dependency downloads stay cached
# while only the sources change.
COPY Cargo.toml Cargo.lock ./
COPY benches ./benches
RUN mkdir src && touch src/lib.rs && echo 'fn main() {}' > src/main.rs && cargo fetch --locked
COPY src ./src
COPY rules ./rules
# Debug info stays out of the image (the release profile keeps line tables for profiling).
RUN CARGO_PROFILE_RELEASE_STRIP=symbols cargo build --release --locked --bin iamlint

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /build/target/release/iamlint /usr/local/bin/iamlint
WORKDIR /src
ENTRYPOINT ["/usr/local/bin/iamlint"]
CMD ["check", "."]

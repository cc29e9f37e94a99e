# The leakscan image: one static (musl) binary on distroless/static, running as non-root.
#   docker build -t leakscan .
#   docker run --rm -v "$PWD:/src" leakscan scan .        # the image's working directory is /src
# Build stage: scripts/build-static.sh builds and checks the binary (static, runs, < 30 MiB);
# .ci/run runs the same script when it has no docker daemon.
FROM rust:1-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends musl-tools file \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY . .
RUN CARGO_TARGET_DIR=/build/target scripts/build-static.sh /out/leakscan

# distroless/static: CA certificates (registry pulls), /etc/passwd with `nonroot`, /tmp; no
# shell, no libc (the binary needs none).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/leakscan /usr/local/bin/leakscan
USER 65532:65532
WORKDIR /src
ENTRYPOINT ["/usr/local/bin/leakscan"]
CMD ["scan", "."]

# A minimal image with the leakscan binary: `docker build -t leakscan .`, then
# `docker run --rm -v "$PWD:/src" -w /src leakscan scan .`
FROM rust:1-bookworm AS build
WORKDIR /build
COPY . .
RUN cargo build --release --locked -p scanner-cli && strip target/release/leakscan

# distroless/cc: glibc and libgcc only, no shell, runs as non-root.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /build/target/release/leakscan /usr/local/bin/leakscan
ENTRYPOINT ["/usr/local/bin/leakscan"]
CMD ["scan", "."]

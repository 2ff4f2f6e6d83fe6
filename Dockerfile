# Conventional multi-stage build of the project's two images, for machines that can pull base
# images. (On a machine without a registry, scripts/build-images.sh builds the same two images
# FROM scratch from the local release binary.)
#
#   docker build --target reference       -t openapp-conformance/reference:dev .
#   docker build --target kratos-emulator -t openapp-conformance/kratos-emulator:dev .
#
# Entrypoints, commands and variables: README.md, "Verify a release".

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin openapp-conformance

# The reference OpenApp server and gateway, configured by environment
# (KRATOS_PUBLIC_URL, KRATOS_ADMIN_URL, OPENAPP_LISTEN, OPENAPP_ORIGIN, OPENAPP_API_KEYS, …).
FROM gcr.io/distroless/cc-debian12:nonroot AS reference
COPY --from=build /src/target/release/openapp-conformance /openapp-conformance
EXPOSE 8080
ENTRYPOINT ["/openapp-conformance"]
CMD ["reference"]

# The Kratos v1.3.1 emulator behind Kratos's own command line: `migrate sql -e --yes` and
# `serve -c <kratos.yml> --dev --sqa-opt-out` reach the emulator's `kratos` subcommand.
FROM gcr.io/distroless/cc-debian12:nonroot AS kratos-emulator
COPY --from=build /src/target/release/openapp-conformance /openapp-conformance
COPY config/kratos/kratos.yml config/kratos/identity.schema.json /etc/config/kratos/
EXPOSE 4433 4434
ENTRYPOINT ["/openapp-conformance", "kratos"]
CMD ["serve", "-c", "/etc/config/kratos/kratos.yml", "--dev", "--sqa-opt-out"]

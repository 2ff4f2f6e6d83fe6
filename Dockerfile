# Conventional multi-stage build of the project's images, for machines that can pull base
# images. (On a machine without a registry, scripts/build-images.sh builds the same images
# FROM scratch from the local release binary.)
#
#   docker build --target reference       -t openapp-conformance/reference:dev .
#   docker build --target kratos-emulator -t openapp-conformance/kratos-emulator:dev .
#   docker build --target runner          -t openapp-conformance/runner:dev .
#
# Entrypoints, commands and variables: README.md, "Verify a release".

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin openapp-conformance
# The runner's file system: the binary, the shared libraries it links and the loader.
RUN mkdir /runner && cp target/release/openapp-conformance /runner/ \
 && for lib in $(ldd target/release/openapp-conformance \
      | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do \
      cp -L --parents "$lib" /runner/; \
    done

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

# The harness alone, FROM scratch (a CI image without cargo): `run` against the deployment the
# environment names, with /scenarios and /snapshots; no CA store (the binary's bundled roots,
# plus OPENAPP_CA_CERT) and no NSS (the binary resolves names itself, /etc/hosts included).
FROM scratch AS runner
COPY --from=build /runner/ /
COPY scenarios/ /scenarios/
COPY snapshots/ /snapshots/
WORKDIR /
ENTRYPOINT ["/openapp-conformance"]
CMD ["run"]

#!/usr/bin/env bash
# Builds the project's images from the release binary, FROM scratch: the binary, the shared
# libraries `ldd` lists and the dynamic loader, plus (for the two images of the containers
# target) the host's CA certificate bundle. No base image is pulled, so this works on an engine
# without any registry.
#
#   openapp-conformance/reference:dev        ENTRYPOINT ["/openapp-conformance"]
#                                            CMD ["reference"]   (reference OpenApp + gateway)
#   openapp-conformance/kratos-emulator:dev  ENTRYPOINT ["/openapp-conformance","kratos"]
#                                            CMD ["serve","-c","/etc/config/kratos/kratos.yml","--dev","--sqa-opt-out"]
#
#   openapp-conformance/runner:dev           ENTRYPOINT ["/openapp-conformance"]  CMD ["run"]
#                                            the harness alone, for CI images without cargo:
#                                            /scenarios and /snapshots, no CA store (the
#                                            binary's bundled roots, plus OPENAPP_CA_CERT)
#
# The first two also answer `/openapp-conformance healthcheck [URL]` (exit 0 on 2xx), the
# health check of docker-compose.yml. See README.md, "Verify a release".
#
# Usage: scripts/build-images.sh [--binary PATH]
#   --binary PATH   use this binary instead of `cargo build --release`
#   IMAGE_TAG=dev   the tag of the images
set -euo pipefail
cd "$(dirname "$0")/.."

tag=${IMAGE_TAG:-dev}
binary=
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=${2:?--binary needs a path}; shift 2 ;;
    -h|--help) sed -n "2,22p" "$0"; exit 0 ;;
    *) echo "error: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

command -v docker >/dev/null || { echo "error: the docker CLI is not installed" >&2; exit 3; }
docker info >/dev/null 2>&1 || { echo "error: no Docker engine answers (start Docker, or set DOCKER_HOST)" >&2; exit 3; }

start=$(date +%s.%N)
if [ -z "$binary" ]; then
  cargo build --release --locked --bin openapp-conformance
  binary=target/release/openapp-conformance
fi
[ -x "$binary" ] || { echo "error: $binary is not an executable" >&2; exit 2; }

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/runner" "$ctx/kratos"
cp "$binary" "$ctx/runner/openapp-conformance"
# Shared libraries (`libc.so.6 => /lib/…/libc.so.6 (0x…)`) and the loader (`/lib64/ld-….so.2 (0x…)`),
# copied (symlinks followed) to the same paths inside the image.
libs=$(ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
for lib in $libs; do
  cp -L --parents "$lib" "$ctx/runner/"
done
# The runner's file system is the binary and its libraries; the others add a CA bundle.
cp -a "$ctx/runner" "$ctx/rootfs"
cp -r scenarios snapshots "$ctx/"
# CA certificates for the reference and emulator images: the host's bundle, read by the first
# https handshake (without one the binary trusts the Mozilla roots it bundles).
ca_bundle=
for ca in /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt /etc/ssl/cert.pem; do
  if [ -f "$ca" ]; then ca_bundle=$ca; break; fi
done
if [ -n "$ca_bundle" ]; then
  mkdir -p "$ctx/rootfs/etc/ssl/certs"
  cp -L "$ca_bundle" "$ctx/rootfs/etc/ssl/certs/ca-certificates.crt"
fi
cp config/kratos/kratos.yml config/kratos/identity.schema.json "$ctx/kratos/"

revision=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
cat >"$ctx/reference.Dockerfile" <<DOCKERFILE
FROM scratch
COPY rootfs/ /
LABEL org.opencontainers.image.title="openapp-conformance reference OpenApp server" \\
      org.opencontainers.image.revision="$revision"
EXPOSE 8080
ENTRYPOINT ["/openapp-conformance"]
CMD ["reference"]
DOCKERFILE
cat >"$ctx/kratos-emulator.Dockerfile" <<DOCKERFILE
FROM scratch
COPY rootfs/ /
COPY kratos/ /etc/config/kratos/
LABEL org.opencontainers.image.title="openapp-conformance Kratos v1.3.1 emulator" \\
      org.opencontainers.image.revision="$revision"
EXPOSE 4433 4434
ENTRYPOINT ["/openapp-conformance", "kratos"]
CMD ["serve", "-c", "/etc/config/kratos/kratos.yml", "--dev", "--sqa-opt-out"]
DOCKERFILE

cat >"$ctx/runner.Dockerfile" <<DOCKERFILE
FROM scratch
COPY runner/ /
COPY scenarios/ /scenarios/
COPY snapshots/ /snapshots/
LABEL org.opencontainers.image.title="openapp-conformance runner (the harness alone)" \\
      org.opencontainers.image.revision="$revision"
WORKDIR /
ENTRYPOINT ["/openapp-conformance"]
CMD ["run"]
DOCKERFILE

for image in reference kratos-emulator runner; do
  previous=$(docker image inspect --format '{{.Id}}' "openapp-conformance/$image:$tag" 2>/dev/null || true)
  # The engine may only offer the legacy builder: its deprecation notice is noise here.
  if ! docker build --quiet -t "openapp-conformance/$image:$tag" -f "$ctx/$image.Dockerfile" "$ctx" \
      >"$ctx/build.log" 2>&1; then
    cat "$ctx/build.log" >&2
    echo "error: building openapp-conformance/$image:$tag failed" >&2
    exit 1
  fi
  echo "built openapp-conformance/$image:$tag"
  # The image this build replaced, now untagged: remove it unless a container still uses it.
  current=$(docker image inspect --format '{{.Id}}' "openapp-conformance/$image:$tag")
  if [ -n "$previous" ] && [ "$previous" != "$current" ]; then
    docker image rm "$previous" >/dev/null 2>&1 || true
  fi
done
# Smoke test: the binary starts inside the image (libraries, loader, CA roots) and its HTTP
# client works (the probe fails to connect, which is fine; a panic is not).
docker run --rm --entrypoint /openapp-conformance "openapp-conformance/reference:$tag" --version >/dev/null
probe=$(docker run --rm --entrypoint /openapp-conformance "openapp-conformance/reference:$tag" \
  healthcheck --timeout 1s http://127.0.0.1:9/ 2>&1 || true)
case "$probe" in
  unhealthy:*) ;;
  *) echo "error: the image's HTTP client does not work: $probe" >&2; exit 1 ;;
esac
# The runner lists the suite from its own folders (no cargo, no repository).
docker run --rm "openapp-conformance/runner:$tag" list >/dev/null \
  || { echo "error: the runner image cannot list its scenarios" >&2; exit 1; }
awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "images ready in %.1fs\n", e - s }' 

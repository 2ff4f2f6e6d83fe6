#!/usr/bin/env bash
# CI: the compose files are valid; then, when a Docker engine answers, the project's images
# are built (one release build) and the whole default suite runs on the containers target
# with the emulator image standing in for Kratos. It must pass with the same number of trials
# as the embedded run, and leave no container, network or volume of its run behind. The runner
# image (the harness alone, FROM scratch) must pass the same number on its own embedded stack
# with no network at all; `cargo test` then runs it against an https target
# (tests/cli/runner_image.rs). Explore runs 500 operations on the containers target too. Without an engine it says so in one line and succeeds.
set -euo pipefail
cd "$(dirname "$0")/.."

if command -v docker-compose >/dev/null; then
  compose=(docker-compose)
elif docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
else
  compose=()
fi
if [ ${#compose[@]} -gt 0 ]; then
  "${compose[@]}" -f docker-compose.yml config -q
  "${compose[@]}" -f docker-compose.yml -f docker-compose.emulator.yml config -q
  echo "docker-compose.yml: valid"
else
  echo "no docker-compose: docker-compose.yml not checked"
fi

if ! docker info >/dev/null 2>&1; then
  echo "no Docker engine reachable: skipping the containers target (images, suite, cleanup check)"
  exit 0
fi

scripts/build-images.sh
bin=target/release/openapp-conformance
passed() { sed -n 's/^test result: .*[^0-9]\([0-9][0-9]*\) passed;.*/\1/p' "$1"; }

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$bin" run --target embedded >"$out/embedded" 2>&1 || { cat "$out/embedded"; exit 1; }

run_id="ci-$(date +%s)-$$"
status=0
OPENAPP_CONFORMANCE_RUN_ID=$run_id KRATOS_IMAGE=openapp-conformance/kratos-emulator:dev \
  "$bin" run --target containers 2>&1 | tee "$out/containers" || status=$?

label="label=org.openapp-conformance.run=$run_id"
left=$(docker ps -aq --filter "$label"; docker network ls -q --filter "$label"; docker volume ls -q --filter "$label")
if [ -n "$left" ]; then
  echo "error: the containers run $run_id left Docker resources behind:" >&2
  echo "$left" >&2
  exit 1
fi
[ "$status" -eq 0 ] || exit "$status"
if [ "$(passed "$out/containers")" != "$(passed "$out/embedded")" ]; then
  echo "error: the containers run passed $(passed "$out/containers") trials, the embedded run $(passed "$out/embedded")" >&2
  exit 1
fi
echo "containers target: $(passed "$out/containers") passed, as on the embedded stack; nothing of run $run_id left"

# Explore mode on the same target kind: no violation on the conforming containers, nothing left.
explore_id="$run_id-explore"
status=0
OPENAPP_CONFORMANCE_RUN_ID=$explore_id KRATOS_IMAGE=openapp-conformance/kratos-emulator:dev \
  "$bin" explore --target containers --seed 1 --ops 500 --quiet --out "$out/explore-failures" \
  >"$out/explore" 2>&1 || status=$?
label="label=org.openapp-conformance.run=$explore_id"
left=$(docker ps -aq --filter "$label"; docker network ls -q --filter "$label"; docker volume ls -q --filter "$label")
if [ "$status" -ne 0 ] || [ -n "$left" ]; then
  cat "$out/explore"
  echo "error: explore on the containers target exited $status${left:+ and left Docker resources behind: $left}" >&2
  exit 1
fi
echo "containers target: $(grep "^explore:" "$out/explore"), no violation"

docker run --rm --network none openapp-conformance/runner:dev run --target embedded >"$out/runner" 2>&1 \
  || { cat "$out/runner"; exit 1; }
if [ "$(passed "$out/runner")" != "$(passed "$out/embedded")" ]; then
  echo "error: the runner image passed $(passed "$out/runner") trials, the embedded run $(passed "$out/embedded")" >&2
  exit 1
fi
echo "runner image: $(passed "$out/runner") passed on its own embedded stack (FROM scratch, no cargo, no network)"

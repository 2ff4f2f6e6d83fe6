#!/usr/bin/env bash
# CI: cargo-nextest reports what `run` reports. The `cargo test` target under
# `cargo nextest run --test conformance` must give the same passed and failed counts as
# `openapp-conformance run`, and show as SKIPPED exactly the scenarios `run` ignores:
#   1. the embedded stack (every scenario runs);
#   2. an external target (`serve`) without KRATOS_ADMIN_URL, where the scenarios that need
#      fresh identities cannot run: nextest must skip them, never count them passed;
#   3. the same with `--run-ignored all`: each of those then fails with its reason;
#   4. one stack per nextest run (the setup script in .config/nextest.toml): every test process
#      reaches the same origins, a fault switch reaches the stack, and no stack process is
#      left after a passing, a failing and an interrupted (SIGINT) nextest run;
#   5. the JSON report of a nextest run is one file merged from every test process, with the
#      run's counts (skipped trials are not in it: no process ran them);
#   6. the containers target likewise, when a Docker engine answers and the images are built
#      (scripts/ci-containers.sh builds them): the same counts, the containers of one stack
#      created (counted by the run's label), none left behind.
# Needs cargo-nextest (`bash .ci/setup` installs it) and a built `target/debug/openapp-conformance`.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=target/debug/openapp-conformance
[ -x "$bin" ] || cargo build --quiet --bin openapp-conformance

# "P F I": passed, failed, ignored of `run`'s libtest summary.
run_counts() {
  { "$bin" run 2>/dev/null || true; } | sed -n 's/^test result: [a-zA-Z]*\. \([0-9]*\) passed; \([0-9]*\) failed; \([0-9]*\) ignored.*/\1 \2 \3/p'
}

# "P F S": passed, failed, skipped of nextest's summary line; the whole output in $nextest_out.
nextest_out=$(mktemp)
nextest_counts() {
  local out
  out=$(cargo nextest run --test conformance --no-fail-fast --no-capture --color never "$@" 2>&1 || true)
  printf '%s\n' "$out" >"$nextest_out"
  local line
  line=$(printf '%s\n' "$out" | grep -E '^ *Summary \[' | tail -n1)
  if [ -z "$line" ]; then
    printf '%s\n' "$out" >&2
    echo "error: no nextest summary line" >&2
    return 1
  fi
  local p f s
  p=$(printf '%s' "$line" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || echo 0)
  f=$(printf '%s' "$line" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' || echo 0)
  s=$(printf '%s' "$line" | grep -oE '[0-9]+ skipped' | grep -oE '[0-9]+' || echo 0)
  echo "$p $f $s"
}

# The merged JSON report of the last nextest run ($reports/r.json) holds the passed and failed
# trials of "P F I" and nothing else: one file, no per-trial file.
merged() {
  local what=$1 p f
  read -r p f _ <<<"$2"
  local got
  got=$(tr -d ' \n' <"$reports/r.json" | grep -oE '"summary":\{[^}]*\}' || true)
  local expected="\"summary\":{\"total\":$((p + f)),\"passed\":$p,\"failed\":$f,\"ignored\":0}"
  if [ "$got" != "$expected" ] || [ "$(ls "$reports")" != r.json ]; then
    ls -a "$reports" >&2
    echo "error: $what: the merged JSON report says ${got:-nothing}, expected $expected" >&2
    exit 1
  fi
  echo "merged JSON report, $what: $p passed, $f failed"
}

# No process of a held stack may outlive the nextest run (it polls every 200 ms).
no_stack_left() {
  local what=$1
  for _ in $(seq 50); do
    pgrep -f "openapp-conformance stack --watch-pid" >/dev/null || { echo "no stack left: $what"; return 0; }
    sleep 0.1
  done
  echo "error: $what: a stack process outlived nextest:" >&2
  pgrep -af "openapp-conformance stack --watch-pid" >&2
  exit 1
}

# The test processes of the last nextest run all reached one stack.
one_stack() {
  local origins
  origins=$(grep -oE 'target: external — api [^ ]+' "$nextest_out" | sort -u | wc -l)
  if [ "$origins" != 1 ] || ! grep -q "nextest setup: one $1 stack" "$nextest_out"; then
    cat "$nextest_out" >&2
    echo "error: expected one $1 stack for the whole nextest run, test processes saw $origins" >&2
    exit 1
  fi
  echo "one $1 stack for the nextest run"
}

check() {
  local what=$1 want=$2 got=$3
  if [ "$want" != "$got" ]; then
    echo "error: $what: nextest gave '$got' (passed failed skipped), run gave '$want' (passed failed ignored)" >&2
    exit 1
  fi
  echo "nextest = run, $what: $got"
}

unset OPENAPP_BASE_URL KRATOS_PUBLIC_URL KRATOS_ADMIN_URL OPENAPP_RESOLVE OPENAPP_API_KEY \
  OPENAPP_CONFORMANCE_TARGET OPENAPP_COOKIE_DOMAIN
want=$(run_counts)
[ -n "$want" ] || { echo "error: no summary from run" >&2; exit 1; }
rm -f target/nextest/ci/junit.xml
reports=$(mktemp -d)
check "embedded, --profile ci" "$want" \
  "$(OPENAPP_CONFORMANCE_JSON=$reports/r.json nextest_counts --profile ci)"
one_stack embedded
merged "embedded" "$want"
# The ci profile's JUnit file (docs/ci/github-actions.yml uploads it) holds every trial.
read -r passed _ _ <<<"$want"
grep -q "<testsuite name=\"openapp-conformance::conformance\" tests=\"$passed\"" target/nextest/ci/junit.xml \
  || { echo "error: target/nextest/ci/junit.xml does not hold the $passed trials" >&2; exit 1; }
echo "target/nextest/ci/junit.xml: $passed tests"
no_stack_left "after a passing run"

if docker info >/dev/null 2>&1 && docker image inspect openapp-conformance/kratos-emulator:dev >/dev/null 2>&1; then
  run_id="nx-$(date +%s)-$$"
  label="label=org.openapp-conformance.run=$run_id"
  since=$(date +%s)
  check "containers" "$want" "$(OPENAPP_CONFORMANCE_TARGET=containers OPENAPP_CONFORMANCE_RUN_ID=$run_id \
    KRATOS_IMAGE=openapp-conformance/kratos-emulator:dev nextest_counts)"
  one_stack containers
  no_stack_left "after a containers run"
  created=$(docker events --since "$since" --until "$(date +%s)" --filter "$label" \
    --filter type=container --filter event=create --format '{{.ID}}' | wc -l)
  left=$(docker ps -aq --filter "$label"; docker network ls -q --filter "$label"; docker volume ls -q --filter "$label")
  if [ "$created" != 3 ] || [ -n "$left" ]; then
    echo "error: containers under nextest: $created containers created (one stack is 3), left behind: ${left:-none}" >&2
    exit 1
  fi
  echo "containers under nextest: one stack ($created containers), nothing of run $run_id left"
else
  echo "no Docker engine or no local images: the containers target under nextest not checked"
fi

fault=logout-keeps-csrf
want=$(OPENAPP_CONFORMANCE_FAULT=$fault run_counts)
check "embedded, --fault $fault" "$want" \
  "$(OPENAPP_CONFORMANCE_FAULT=$fault OPENAPP_CONFORMANCE_JSON=$reports/r.json nextest_counts)"
merged "embedded, --fault $fault" "$want"
grep -q "stack of nextest's setup script" "$nextest_out" && grep -q "embedded:$fault" "$nextest_out" \
  || { cat "$nextest_out" >&2; echo "error: the fault switch did not reach the stack" >&2; exit 1; }
no_stack_left "after a failing run"

# SIGINT to nextest once the stack is up: the stack goes with it.
cargo nextest run --test conformance --color never >"$nextest_out" 2>&1 &
nextest_pid=$!
for _ in $(seq 300); do
  pgrep -f "openapp-conformance stack --watch-pid" >/dev/null && break
  sleep 0.1
done
kill -INT "$nextest_pid" 2>/dev/null || true
wait "$nextest_pid" || true
no_stack_left "after an interrupted run"

served=$(mktemp)
"$bin" serve --json >"$served" 2>/dev/null &
serve_pid=$!
trap 'kill $serve_pid 2>/dev/null || true; rm -rf "$served" "$nextest_out" "$reports"' EXIT
for _ in $(seq 100); do [ -s "$served" ] && break; sleep 0.1; done
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" "$served"; }
OPENAPP_BASE_URL=$(field openapp_origin)
KRATOS_PUBLIC_URL=$(field kratos_public_url)
OPENAPP_API_KEY=$(field api_key)
OPENAPP_RESOLVE=$(sed -n 's/.*"resolve":\[\([^]]*\)\].*/\1/p' "$served" | tr -d '"')
OPENAPP_COOKIE_DOMAIN=openapp.test
export OPENAPP_BASE_URL KRATOS_PUBLIC_URL OPENAPP_API_KEY OPENAPP_RESOLVE OPENAPP_COOKIE_DOMAIN

want=$(run_counts)
read -r passed failed ignored <<<"$want"
[ "$ignored" -gt 0 ] || { echo "error: without KRATOS_ADMIN_URL some scenarios must be ignored" >&2; exit 1; }
check "external without KRATOS_ADMIN_URL" "$want" \
  "$(OPENAPP_CONFORMANCE_JSON=$reports/r.json nextest_counts)"
merged "external without KRATOS_ADMIN_URL" "$want"
check "external without KRATOS_ADMIN_URL, --run-ignored all" \
  "$passed $((failed + ignored)) 0" "$(nextest_counts --run-ignored all)"

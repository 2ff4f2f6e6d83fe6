#!/usr/bin/env bash
# CI: cargo-nextest reports what `run` reports. The `cargo test` target under
# `cargo nextest run --test conformance` must give the same passed and failed counts as
# `openapp-conformance run`, and show as SKIPPED exactly the scenarios `run` ignores:
#   1. the embedded stack (every scenario runs);
#   2. an external target (`serve`) without KRATOS_ADMIN_URL, where the scenarios that need
#      fresh identities cannot run: nextest must skip them, never count them passed;
#   3. the same with `--run-ignored all`: each of those then fails with its reason.
# Needs cargo-nextest (`bash .ci/setup` installs it) and a built `target/debug/openapp-conformance`.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=target/debug/openapp-conformance
[ -x "$bin" ] || cargo build --quiet --bin openapp-conformance

# "P F I": passed, failed, ignored of `run`'s libtest summary.
run_counts() {
  "$bin" run 2>/dev/null | sed -n 's/^test result: [a-zA-Z]*\. \([0-9]*\) passed; \([0-9]*\) failed; \([0-9]*\) ignored.*/\1 \2 \3/p'
}

# "P F S": passed, failed, skipped of nextest's summary line.
nextest_counts() {
  local out
  out=$(cargo nextest run --test conformance --no-fail-fast --color never "$@" 2>&1 || true)
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
check "embedded" "$want" "$(nextest_counts)"

served=$(mktemp)
"$bin" serve --json >"$served" 2>/dev/null &
serve_pid=$!
trap 'kill $serve_pid 2>/dev/null || true; rm -f "$served"' EXIT
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
check "external without KRATOS_ADMIN_URL" "$want" "$(nextest_counts)"
check "external without KRATOS_ADMIN_URL, --run-ignored all" \
  "$passed $((failed + ignored)) 0" "$(nextest_counts --run-ignored all)"

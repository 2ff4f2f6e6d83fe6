#!/usr/bin/env bash
# nextest's setup script for the conformance suite (.config/nextest.toml): one stack (embedded
# or containers, as OPENAPP_CONFORMANCE_TARGET says) for the whole nextest run instead of one
# per test process. `stack --nextest-setup` starts it detached, watching this script's parent
# (the nextest process), and writes the variables that point the test processes at it into
# $NEXTEST_ENV; the stack removes itself when nextest is gone. Against an external target it
# does nothing. Runs the binary through cargo, which nextest has already built.
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${CARGO:-cargo}" run --quiet --bin openapp-conformance -- stack --nextest-setup --watch-pid "$PPID"

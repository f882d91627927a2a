#!/usr/bin/env bash
# Runs every test of Custodian on a fresh machine and ends with one line: "N passed, N failed".
# Whatever the tests need (services, browsers) is set up here and torn down on exit.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# The browser tests (tests/Custodian.Web.Tests) drive Debian's Chromium; install it once if missing.
command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null

# Tools the data-flow diagram tests call (FLW-4): graphviz's dot checks the DOT output, librsvg's rsvg-convert
# renders the SVG to PNG. Installed only when missing, so a prepared machine pays nothing.
command -v dot >/dev/null && command -v rsvg-convert >/dev/null \
  || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz librsvg2-bin fonts-dejavu-core) >/dev/null 2>&1 \
  || echo "warning: could not install graphviz and librsvg2-bin; the dataflow tests that need them will fail"
# tmux drives `custodian survey` through a pseudo-terminal in the survey's terminal tests (SRV-1, SHR-5, SHR-6).
command -v tmux >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux) >/dev/null 2>&1 \
  || echo "warning: could not install tmux; the survey terminal tests will fail"

# The real Claude Code client (tests/Custodian.RealClient.Tests), pinned, from npm into .tools/claude-code, once.
"$root/eng/install-claude-code.sh" >/dev/null \
  || echo "warning: could not install @anthropic-ai/claude-code; the real-client tests will try again and fail"

results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

# Optional service set-up lives in eng/test.d/*.sh: each may export variables for the tests and
# register its own teardown through the cleanup hooks array.
cleanup_hooks=()
cleanup() { for hook in "${cleanup_hooks[@]}"; do eval "$hook" || true; done; }
trap cleanup EXIT
for setup in "$root"/eng/test.d/*.sh; do
  [ -e "$setup" ] || continue
  # shellcheck disable=SC1090
  source "$setup"
done

dotnet build Custodian.slnx -c Release -nologo -v quiet -clp:ErrorsOnly
build_rc=$?
if [ $build_rc -ne 0 ]; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

# One test project at a time (-m:1): on a 2-core machine the browser and server suites time out when they
# share the cores with the others.
dotnet test Custodian.slnx -c Release --no-build -nologo -m:1 \
  --logger "trx" --results-directory "$results"
test_rc=$?

passed=0; failed=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0} + ${e:-0}))
done
if [ $test_rc -ne 0 ] && [ $failed -eq 0 ]; then failed=1; fi
# A run that executed nothing proves nothing.
if [ $passed -eq 0 ] && [ $failed -eq 0 ]; then echo "no test ran"; failed=1; fi
echo "$passed passed, $failed failed"
[ $test_rc -eq 0 ] && [ $failed -eq 0 ]

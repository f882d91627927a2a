#!/usr/bin/env bash
# Issue 15's hook latency: `custodian hook` per event (64 KB tool outputs, a 1 MB transcript for Stop), process start
# included, against jq, python3 and true on the same inputs; then a scripted real Claude Code session with and without
# the guard. Builds the native executable (./eng/publish.sh) unless HOOK names another command, e.g.
# HOOK="dotnet src/Custodian.Cli/bin/Release/net10.0/custodian.dll hook" for the JIT build.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
runs="${RUNS:-200}"
session_runs="${SESSION_RUNS:-5}"
out="$root/bench/out/guard"
mkdir -p "$out"
if [[ -z "${HOOK:-}" ]]; then
  ./eng/publish.sh >&2
  HOOK="$root/artifacts/publish/custodian hook"
fi
./eng/install-claude-code.sh >&2
dotnet build bench/Custodian.Guard.Latency -c Release -nologo -v quiet -clp:ErrorsOnly >&2
{
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), commit $(git rev-parse --short HEAD)"
  echo "hook: $HOOK; $runs runs per command and input; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/summary.txt"
dotnet bench/Custodian.Guard.Latency/bin/Release/net10.0/Custodian.Guard.Latency.dll --hook "$HOOK" --runs "$runs" --session-runs "$session_runs" --out "$out" | tee -a "$out/summary.txt"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/summary.txt"

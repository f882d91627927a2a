#!/usr/bin/env bash
# Benchmarks one full policy evaluation (issue 2) with BenchmarkDotNet and prints its summary table.
# Usage: bench/policy/run.sh [--quick]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
job=()
[ "${1:-}" = "--quick" ] && job=(--job short)
dotnet run -c Release --project bench/Custodian.Benchmarks -- --filter '*PolicyBenchmarks*' "${job[@]}" \
  --artifacts "$root/bench/out/policy" --exporters github
cat "$root"/bench/out/policy/results/*PolicyBenchmarks*-report-github.md

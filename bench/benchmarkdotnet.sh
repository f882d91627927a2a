#!/usr/bin/env bash
# Runs bench/Custodian.Benchmarks' classes matching a filter with BenchmarkDotNet and prints their GitHub summary table.
# Usage: bench/benchmarkdotnet.sh CLASS OUT_NAME [--quick]    (results in bench/out/OUT_NAME)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
class=$1 name=$2
job=()
[ "${3:-}" = "--quick" ] && job=(--job short)
dotnet run -c Release --project bench/Custodian.Benchmarks -- --filter "*$class*" "${job[@]}" \
  --artifacts "$root/bench/out/$name" --exporters github
cat "$root"/bench/out/"$name"/results/*"$class"*-report-github.md

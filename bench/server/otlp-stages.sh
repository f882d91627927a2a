#!/usr/bin/env bash
# The OTLP ingestion path's CPU stages (issue 16) with BenchmarkDotNet, on otlp-ingest.sh's own 512-record batch:
# decode, capture (policy, redaction, payloads), capture under ZDR, and decode + capture + SQLite append in one process
# (no HTTP). Per record = Mean / 512. Prints the summary table.
# Usage: bench/server/otlp-stages.sh [--quick]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
job=()
[ "${1:-}" = "--quick" ] && job=(--job short)
dotnet run -c Release --project bench/Custodian.Benchmarks -- --filter '*OtlpIngestBenchmarks*' "${job[@]}" \
  --artifacts "$root/bench/out/server-otlp-stages" --exporters github
cat "$root"/bench/out/server-otlp-stages/results/*OtlpIngestBenchmarks*-report-github.md

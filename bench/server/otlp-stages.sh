#!/usr/bin/env bash
# The OTLP ingestion path's CPU stages (issue 16) with BenchmarkDotNet, on otlp-ingest.sh's own 512-record batch:
# decode, capture (policy, redaction, payloads), capture under ZDR, and decode + capture + SQLite append in one process
# (no HTTP). Per record = Mean / 512. Prints the summary table.
# Usage: bench/server/otlp-stages.sh [--quick]
exec "$(dirname "${BASH_SOURCE[0]}")/../benchmarkdotnet.sh" OtlpIngestBenchmarks server-otlp-stages "$@"

#!/usr/bin/env bash
# Benchmarks one full policy evaluation (issue 2) with BenchmarkDotNet and prints its summary table.
# Usage: bench/policy/run.sh [--quick]
exec "$(dirname "${BASH_SOURCE[0]}")/../benchmarkdotnet.sh" PolicyBenchmarks policy "$@"

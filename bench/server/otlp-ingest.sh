#!/usr/bin/env bash
# OTLP ingestion throughput (issue 16), all on 127.0.0.1: bench/Custodian.Server.OtlpLoad posts OTLP/protobuf
# ExportLogsServiceRequests of BATCH (512) Claude Code events (user_prompt / api_request / tool_result, built once up
# front, a fresh time_unix_nano per record per post so every record is new to the server's idempotency) over CONNECTIONS
# connections for DURATION seconds after a WARMUP, against
#   (a) bench/Custodian.Server.Bare's POST /v1/logs: Kestrel, the body read and decoded by Custodian.Otlp, an empty
#       ExportLogsServiceResponse; no authentication, policy, redaction or storage,
#   (b) `custodian serve` on SQLite (the default store),
#   (c) `custodian serve` on PostgreSQL 15, a throwaway cluster initdb'd into a temp dir (durable defaults: fsync and
#       synchronous_commit on).
# A record counts when a 200 acknowledged it (less the partial success's rejected count). After each server run the
# store's telemetry rows are counted and must be at least the acknowledged records (warm-up included): durability.
# Every measurement runs RUNS times (default 2): the machine is shared, so read the better run.
#   bench/server/otlp-ingest.sh                               full run (about 4 minutes with the build)
#   DURATION=5 RUNS=1 bench/server/otlp-ingest.sh             quick check
# Knobs: DURATION (s, 20) WARMUP (s, 10: on 2 shared cores the JIT needs about that long under load to finish tiering up) CONNECTIONS (32) BATCH (records per post, 512) RUNS (2) TARGETS ("bare sqlite
#        postgres") PG_BIN (/usr/lib/postgresql/15/bin) CUSTODIAN (the custodian binary; default the Release build,
#        artifacts/publish/custodian for the native one)
# The figures are written to bench/out/server-otlp/summary.txt too. Exit 1 if a store holds fewer records than acknowledged.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=${OUT:-$root/bench/out/server-otlp}
duration=${DURATION:-20}
warmup=${WARMUP:-10}
connections=${CONNECTIONS:-32}
batch=${BATCH:-512}
runs=${RUNS:-2}
targets=${TARGETS:-bare sqlite postgres}
pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
mkdir -p "$out"

work=$(mktemp -d /tmp/custodian-bench-otlp.XXXXXX)
chmod 755 "$work"  # the postgres user must reach its data directory below it
server_pid=""
pg_data=""

stop_server() {
  [ -n "$server_pid" ] || return 0
  if kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 300); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

stop_postgres() {
  if [ -n "$pg_data" ] && [ -f "$pg_data/postmaster.pid" ]; then
    as_postgres "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w -t 60 stop >/dev/null 2>&1 \
      || as_postgres "$pg_bin/pg_ctl" -D "$pg_data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
}

cleanup() {
  stop_server
  stop_postgres
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'echo "otlp-ingest.sh: command failed at line $LINENO" >&2' ERR

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

wait_healthy() {  # URL LOG
  for _ in $(seq 300); do
    curl -fsS -o /dev/null "$1/healthz" 2>/dev/null && return 0
    kill -0 "$server_pid" 2>/dev/null || { echo "server exited:" >&2; cat "$2" >&2; return 1; }
    sleep 0.2
  done
  echo "server not healthy after 60 s:" >&2; cat "$2" >&2; return 1
}

cpu_ticks() {  # utime+stime of the given pids (whole processes), in clock ticks
  local total=0 pid
  for pid in "$@"; do
    [ -r "/proc/$pid/stat" ] || continue
    total=$((total + $(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}
pg_pids() {  # postmaster and its children
  [ -n "$pg_data" ] && [ -f "$pg_data/postmaster.pid" ] || return 0
  local master; master=$(head -1 "$pg_data/postmaster.pid")
  echo "$master"
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v m="$master" '{ s = $0; sub(/.*\) /, "", s); split(s, f, " "); if (f[2] == m) print $1 }'
}
hz=$(getconf CLK_TCK)

# --- build once (Release, into bench/out/server-otlp/build so concurrent Debug builds of the tree are not disturbed)
echo "building (Release)..." >&2
for project in src/Custodian.Cli bench/Custodian.Server.Bare bench/Custodian.Server.OtlpLoad; do
  dotnet build "$root/$project" -c Release --artifacts-path "$out/build" -nologo -v q -clp:ErrorsOnly > "$work/build.log" 2>&1 \
    || { cat "$work/build.log" >&2; exit 1; }
done
# CUSTODIAN=artifacts/publish/custodian measures the native (AOT) build from eng/publish.sh instead.
cli=${CUSTODIAN:-$out/build/bin/Custodian.Cli/release/custodian}
[ -x "$cli" ] || { echo "CUSTODIAN=$cli: not an executable" >&2; exit 2; }
bare="$out/build/bin/Custodian.Server.Bare/release/Custodian.Server.Bare"
load="$out/build/bin/Custodian.Server.OtlpLoad/release/Custodian.Server.OtlpLoad"

results="$work/results.tsv"  # target run records_per_s posts statuses p50 p99 server_cpu_ms_per_1k pg_cpu_ms_per_1k load_before load_after
: > "$results"
: > "$out/load.log"
durability=""
durability_ok=yes

# measure TARGET BASE_URL [KEY]: RUNS × (warm-up + DURATION); sets total_acked (warm-ups included)
measure() {
  local target=$1 base=$2 key=${3:-}
  total_acked=0
  for run in $(seq "$runs"); do
    local before after s0 s1 p0 p1 pgp
    before=$(cut -d' ' -f1-3 /proc/loadavg)
    pgp=$(pg_pids | tr '\n' ' ')
    s0=$(cpu_ticks "$server_pid"); p0=$(cpu_ticks $pgp)
    "$load" --url "$base" ${key:+--key "$key"} --connections "$connections" --duration "$duration" --warmup "$warmup" --batch "$batch" \
      > "$work/run.txt" 2>> "$out/load.log"
    s1=$(cpu_ticks "$server_pid"); p1=$(cpu_ticks $pgp)
    after=$(cut -d' ' -f1-3 /proc/loadavg)
    cat "$work/run.txt" >> "$out/load.log"
    local line total
    line=$(grep '^RESULT' "$work/run.txt"); total=$(grep '^TOTAL' "$work/run.txt")
    local rps posts statuses p50 p99 acked all
    rps=$(sed -n 's/.* records_per_s=\([0-9]*\).*/\1/p' <<<"$line")
    posts=$(sed -n 's/.* posts=\([0-9]*\).*/\1/p' <<<"$line")
    statuses=$(sed -n 's/.* status=\([^ ]*\).*/\1/p' <<<"$line")
    p50=$(sed -n 's/.* p50_ms=\([0-9.]*\).*/\1/p' <<<"$line")
    p99=$(sed -n 's/.* p99_ms=\([0-9.]*\).*/\1/p' <<<"$line")
    acked=$(sed -n 's/.* acked_records=\([0-9]*\).*/\1/p' <<<"$line")
    all=$(sed -n 's/.* acked_records=\([0-9]*\).*/\1/p' <<<"$total")
    total_acked=$((total_acked + all))
    local scpu pcpu
    scpu=$(awk -v a="$s0" -v b="$s1" -v n="$all" -v hz="$hz" 'BEGIN { printf "%.1f", n ? (b - a) * 1000 / hz / n * 1000 : 0 }')
    pcpu=$(awk -v a="$p0" -v b="$p1" -v n="$all" -v hz="$hz" 'BEGIN { printf "%.1f", n ? (b - a) * 1000 / hz / n * 1000 : 0 }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$target" "$run" "$rps" "$posts" "$statuses" "$p50" "$p99" "$scpu" "$pcpu" "$before" "$after" >> "$results"
    echo "  $target run $run: $rps records/s ($acked acknowledged in ${duration} s, $posts posts, status $statuses), p50 ${p50} ms, p99 ${p99} ms, server ${scpu} CPU-ms per 1,000 records, load $before -> $after" >&2
  done
}

# check_stored TARGET STORED: durability — every acknowledged record is in the store
check_stored() {
  local verdict=ok
  [ "$2" -ge "$total_acked" ] || { verdict=FAILED; durability_ok=no; }
  durability="$durability$1: $2 rows stored, $total_acked records acknowledged (warm-ups included): $verdict"$'\n'
  echo "$1: $2 telemetry rows stored, $total_acked acknowledged: $verdict" >&2
}

machine="$(basename "$cli")$([ -n "${CUSTODIAN:-}" ] && echo " (native)" || echo " (Release, JIT)"), $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(dotnet --version) SDK, commit $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- src bench || echo ' (modified)')"
echo "machine: $machine" >&2
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

for target in $targets; do
  case "$target" in
    bare)
      port=$(free_port); base="http://127.0.0.1:$port"
      "$bare" "$base" > "$work/bare.log" 2>&1 & server_pid=$!
      wait_healthy "$base" "$work/bare.log"
      measure bare "$base"
      stop_server
      ;;
    sqlite)
      mkdir -p "$work/sqlite"
      db="$work/sqlite/custodian.db"
      key=$("$cli" keys create --store "sqlite:$db" --role user --subject bench)
      port=$(free_port); base="http://127.0.0.1:$port"
      "$cli" serve --store "sqlite:$db" --urls "$base" > "$work/sqlite.log" 2>&1 & server_pid=$!
      wait_healthy "$base" "$work/sqlite.log"
      measure sqlite "$base" "$key"
      stop_server
      check_stored sqlite "$(sqlite3 "$db" "SELECT COALESCE(SUM(records), 0) FROM telemetry")"
      cp "$work/sqlite.log" "$out/sqlite.log"
      ;;
    postgres)
      pg_data="$work/pg/data"
      mkdir -p "$work/pg"
      [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$work/pg"
      as_postgres "$pg_bin/initdb" -D "$pg_data" -A trust -U postgres -E UTF8 --locale=C --no-instructions >/dev/null
      pg_port=$(free_port)
      as_postgres "$pg_bin/pg_ctl" -D "$pg_data" -l "$work/pg/postgres.log" -w -t 60 \
        -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=256MB" start >/dev/null
      psql -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -c "CREATE DATABASE custodian" >/dev/null
      store="postgres:Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=custodian"
      key=$("$cli" keys create --store "$store" --role user --subject bench)
      port=$(free_port); base="http://127.0.0.1:$port"
      "$cli" serve --store "$store" --urls "$base" > "$work/postgres.log" 2>&1 & server_pid=$!
      wait_healthy "$base" "$work/postgres.log"
      measure postgres "$base" "$key"
      stop_server
      check_stored postgres "$(psql -X -q -t -A -h 127.0.0.1 -p "$pg_port" -U postgres -d custodian -c "SELECT COALESCE(SUM(records), 0) FROM telemetry")"
      cp "$work/postgres.log" "$out/postgres.log"
      stop_postgres
      pg_data=""
      ;;
    *) echo "TARGETS: bare, sqlite, postgres" >&2; exit 2 ;;
  esac
done
cp "$results" "$out/results.tsv"

best() { awk -F'\t' -v t="$1" '$1==t && $3+0 > b { b = $3+0 } END { printf "%.0f", b }' "$results"; }
runs_of() { awk -F'\t' -v t="$1" -v c="$2" '$1==t { printf "%s%s", sep, $c; sep=" / " }' "$results"; }
bare_best=$(best bare)
{
  echo "machine: $machine"
  echo "$connections connections, $batch records per post (protobuf), ${warmup} s warm-up + ${duration} s per run, $runs runs; load average at the start: $load_start, at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| Target | Records/s (runs) | Best records/s | vs bare | Statuses | p50 / p99 ms (runs) | Server CPU-ms per 1,000 records (runs) | PostgreSQL CPU-ms per 1,000 records (runs) | Load before → after (runs) |"
  echo "|--------|------:|------:|------:|------|------|------:|------:|------|"
  for target in $targets; do
    b=$(best "$target")
    ratio=$(awk -v a="$b" -v r="$bare_best" 'BEGIN { printf "%.2f", r ? a / r : 0 }')
    lat=$(awk -F'\t' -v t="$target" '$1==t { printf "%s%s/%s", sep, $6, $7; sep=", " }' "$results")
    loads=$(awk -F'\t' -v t="$target" '$1==t { split($10, a, " "); split($11, z, " "); printf "%s%s→%s", sep, a[1], z[1]; sep=", " }' "$results")
    pg=$([ "$target" = postgres ] && runs_of "$target" 9 || echo "–")
    echo "| $target | $(runs_of "$target" 3) | $b | $([ "$target" = bare ] && echo 1.00 || echo "$ratio") | $(runs_of "$target" 5) | $lat | $(runs_of "$target" 8) | $pg | $loads |"
  done
  echo
  for target in $targets; do
    [ "$target" = bare ] && continue
    b=$(best "$target")
    echo "Goal $target ≥ 200,000 records/s durable: $(awk -v a="$b" 'BEGIN { print (a >= 200000) ? "met" : "not met" }') ($b); ≥ 0.5 × bare ($bare_best): $(awk -v a="$b" -v r="$bare_best" 'BEGIN { print (r && a >= r / 2) ? "met" : "not met" }')"
  done
  echo
  printf '%s' "$durability"
} | tee "$out/summary.txt"

[ "$durability_ok" = yes ] || exit 1

#!/usr/bin/env bash
# Issue 16's ingestion bench, all on 127.0.0.1: OTLP/HTTP protobuf log batches (BATCH records each, shaped as Claude
# Code's: user_prompt with prompt text, one in sixteen holding a GitHub token, api_request, tool_result; every batch
# distinct) posted by bench/Custodian.Server.OtlpLoad over CONNECTIONS connections for DURATION seconds against
#   (a) a bare Kestrel endpoint that only reads the body, decodes it with the server's OTLP decoder and answers
#       (bench/Custodian.Server.Bare: no key, no policy, no redaction, no store),
#   (b) `custodian serve` on SQLite, (c) `custodian serve` on PostgreSQL 15 (a throwaway cluster initdb'd into a temp
#       dir) — the full path: key, policy, redaction, idempotency keys, group commit, acknowledged after the commit.
# After each server run the stored rows are counted in the store, so every acknowledged record is shown durable.
#   bench/server/otlp-ingest.sh                        full run (about 3 minutes with the build)
#   DURATION=5 bench/server/otlp-ingest.sh             quick check
# Knobs: DURATION (s, 20) WARMUP (s, 3) CONNECTIONS (16) BATCH (512) STORES ("sqlite postgres") PG_BIN
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=${OUT:-$root/bench/out/otlp-ingest}
duration=${DURATION:-20}
warmup=${WARMUP:-3}
connections=${CONNECTIONS:-16}
batch=${BATCH:-512}
stores=${STORES:-sqlite postgres}
pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
mkdir -p "$out"

work=$(mktemp -d /tmp/custodian-bench-otlp.XXXXXX)
chmod 755 "$work"  # the postgres user must reach its data directory below it
server_pid=""
pg_data=""

stop_server() {
  [ -n "$server_pid" ] || return 0
  kill -TERM "$server_pid" 2>/dev/null || true
  for _ in $(seq 300); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  stop_server
  if [ -n "$pg_data" ] && [ -f "$pg_data/postmaster.pid" ]; then
    as_postgres "$pg_bin/pg_ctl" -D "$pg_data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
wait_healthy() {  # URL LOG
  for _ in $(seq 300); do
    curl -fsS -o /dev/null "$1/healthz" 2>/dev/null && return 0
    kill -0 "$server_pid" 2>/dev/null || { echo "server exited:" >&2; cat "$2" >&2; return 1; }
    sleep 0.2
  done
  echo "server not healthy after 60 s" >&2; return 1
}

echo "building (Release)..." >&2
for project in src/Custodian.Cli bench/Custodian.Server.Bare bench/Custodian.Server.OtlpLoad; do
  dotnet build "$root/$project" -c Release --artifacts-path "$out/build" -nologo -v q -clp:ErrorsOnly > "$work/build.log" 2>&1 \
    || { cat "$work/build.log" >&2; exit 1; }
done
cli="$out/build/bin/Custodian.Cli/release/custodian"
bare="$out/build/bin/Custodian.Server.Bare/release/Custodian.Server.Bare"
load="$out/build/bin/Custodian.Server.OtlpLoad/release/Custodian.Server.OtlpLoad"

machine="$(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(dotnet --version) SDK, commit $(git -C "$root" rev-parse --short HEAD)"
results="$work/results.txt"
: > "$results"
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$2"; }

# (a) the bare endpoint
port=$(free_port); base="http://127.0.0.1:$port"
"$bare" "$base" > "$work/bare.log" 2>&1 & server_pid=$!
wait_healthy "$base" "$work/bare.log"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
line=$("$load" "$base" none "$connections" "$duration" "$batch" "$warmup")
echo "bare $line load=$load_before..$(cut -d' ' -f1-3 /proc/loadavg) stored=-" >> "$results"
stop_server
bare_rate=$(field records_per_s "$line")

for store_kind in $stores; do
  if [ "$store_kind" = sqlite ]; then
    mkdir -p "$work/sqlite"
    store="sqlite:$work/sqlite/custodian.db"
  else
    pg_data="$work/pg/data"
    mkdir -p "$work/pg"
    [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$work/pg"
    as_postgres "$pg_bin/initdb" -D "$pg_data" -A trust -U postgres -E UTF8 --locale=C --no-instructions >/dev/null
    pg_port=$(free_port)
    as_postgres "$pg_bin/pg_ctl" -D "$pg_data" -l "$work/pg/postgres.log" -w -t 60 \
      -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=256MB" start >/dev/null
    psql -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -c "CREATE DATABASE custodian" >/dev/null
    store="postgres:Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=custodian"
  fi
  key=$("$cli" keys create --store "$store" --role user --subject bench)
  port=$(free_port); base="http://127.0.0.1:$port"
  "$cli" serve --store "$store" --urls "$base" > "$work/server-$store_kind.log" 2>&1 & server_pid=$!
  wait_healthy "$base" "$work/server-$store_kind.log"
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  line=$("$load" "$base" "$key" "$connections" "$duration" "$batch" "$warmup")
  load_after=$(cut -d' ' -f1-3 /proc/loadavg)
  stop_server
  # Durable: the rows the store holds after the server stopped (warm-up batches included, so at least the count acknowledged).
  if [ "$store_kind" = sqlite ]; then
    stored=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM telemetry").fetchone()[0])' "$work/sqlite/custodian.db")
    leaked=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM telemetry WHERE payload LIKE ?", ("%ghp_R8nT%",)).fetchone()[0])' "$work/sqlite/custodian.db")
  else
    stored=$(psql -X -A -t -h 127.0.0.1 -p "$pg_port" -U postgres -d custodian -c "SELECT COUNT(*) FROM telemetry")
    leaked=$(psql -X -A -t -h 127.0.0.1 -p "$pg_port" -U postgres -d custodian -c "SELECT COUNT(*) FROM telemetry WHERE payload LIKE '%ghp_R8nT%'")
    as_postgres "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w -t 60 stop >/dev/null; pg_data=""
  fi
  echo "$store_kind $line load=$load_before..$load_after stored=$stored leaked=$leaked" >> "$results"
done

{
  echo "machine: $machine; $connections connections, $batch records per batch, ${duration} s measured after ${warmup} s warm-up"
  echo
  echo "| Endpoint | Records/s acknowledged | ÷ bare | Requests | 429/503 | p50 / p99 ms | Stored rows after | Secrets stored | Load (1 min) |"
  echo "|---|--:|--:|--:|--:|--:|--:|--:|---|"
  while read -r name rest; do
    rate=$(field records_per_s "$rest"); records=$(field records "$rest")
    ratio=$(python3 -c "print(f'{$rate/$bare_rate:.2f}')" 2>/dev/null || echo -)
    echo "| $name | $rate | $ratio | $(field requests "$rest") | $(field overloaded "$rest") | $(field p50_ms "$rest") / $(field p99_ms "$rest") | $(field stored "$rest") (acknowledged $records) | $(field leaked "$rest") | $(field load "$rest") |"
  done < "$results"
} | tee "$out/summary.md"

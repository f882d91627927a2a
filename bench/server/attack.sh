#!/usr/bin/env bash
# The server under attack (issue 13, "Must show"), all on 127.0.0.1: `custodian serve` (Release) on a temp SQLite store
# (or, with STORE=postgres, a throwaway PostgreSQL 15 cluster initdb'd into a temp dir), USERS user keys, then
# bench/Custodian.Server.Attack: WORKERS concurrent connections for DURATION seconds mixing valid single-event posts and
# NDJSON batches, bodies over the 32 MiB limit (Content-Length, Expect: 100-continue, chunked), gzip bombs to
# /v1/feedback, wrong content types and invalid UTF-8, /healthz every second, the server's RSS every 250 ms, and every
# acknowledged event read back. Then the server is stopped and `custodian audit verify` run on the store.
# Checks: no 5xx, /healthz answering, peak RSS < 512 MiB, every acknowledged write readable, audit verify exit 0.
#   bench/server/attack.sh                       full run (60 s of load, about 2 minutes with the build)
#   DURATION=10 bench/server/attack.sh           quick check
#   STORE=postgres bench/server/attack.sh        the same against PostgreSQL
# Knobs: DURATION (s, 60) WORKERS (200) USERS (8) STORE (sqlite|postgres) MIX (KIND=WEIGHT,...; default in Program.cs)
#        BATCH (events per NDJSON post, 50) PG_BIN (/usr/lib/postgresql/15/bin)
# Exit 0 only if every check passed. The figures are written to bench/out/server-attack/summary.txt too.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=${OUT:-$root/bench/out/server-attack}
duration=${DURATION:-60}
workers=${WORKERS:-200}
users=${USERS:-8}
store_kind=${STORE:-sqlite}
mix=${MIX:-}
batch=${BATCH:-50}
pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
case "$store_kind" in sqlite|postgres) ;; *) echo "STORE: sqlite or postgres" >&2; exit 2 ;; esac
mkdir -p "$out"

work=$(mktemp -d /tmp/custodian-bench-attack.XXXXXX)
chmod 755 "$work"  # the postgres user must reach its data directory below it
server_pid=""
server_rc=""
pg_data=""

stop_server() {
  [ -n "$server_pid" ] || return 0
  if kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 300); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  server_rc=0
  wait "$server_pid" 2>/dev/null || server_rc=$?
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
trap 'echo "attack.sh: command failed at line $LINENO" >&2' ERR

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

wait_healthy() {  # URL LOG
  for _ in $(seq 300); do
    curl -fsS -o /dev/null "$1/healthz" 2>/dev/null && return 0
    kill -0 "$server_pid" 2>/dev/null || { echo "server exited:" >&2; cat "$2" >&2; return 1; }
    sleep 0.2
  done
  echo "server not healthy after 60 s:" >&2; cat "$2" >&2; return 1
}

# --- build once (Release, into bench/out/server-attack/build so concurrent Debug builds of the tree are not disturbed)
echo "building (Release)..." >&2
for project in src/Custodian.Cli bench/Custodian.Server.Attack; do
  dotnet build "$root/$project" -c Release --artifacts-path "$out/build" -nologo -v q -clp:ErrorsOnly > "$work/build.log" 2>&1 \
    || { cat "$work/build.log" >&2; exit 1; }
done
cli="$out/build/bin/Custodian.Cli/release/custodian"
attack="$out/build/bin/Custodian.Server.Attack/release/Custodian.Server.Attack"

# --- the store
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

: > "$work/keys.txt"
for i in $(seq "$users"); do
  "$cli" keys create --store "$store" --role user --subject "attacker$i" >> "$work/keys.txt"
done

port=$(free_port); base="http://127.0.0.1:$port"
"$cli" serve --store "$store" --urls "$base" > "$work/server.log" 2>&1 & server_pid=$!
wait_healthy "$base" "$work/server.log"

machine="$(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(dotnet --version) SDK, commit $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- src || echo ' (src modified)')"
load_before=$(uptime)
echo "machine: $machine" >&2
echo "load before: $load_before" >&2
attack_rc=0
"$attack" --url "$base" --keys "$work/keys.txt" --server-pid "$server_pid" --duration "$duration" --workers "$workers" --batch "$batch" \
  ${mix:+--mix "$mix"} > "$work/attack.txt" || attack_rc=$?
load_after=$(uptime)
server_alive=yes
kill -0 "$server_pid" 2>/dev/null || server_alive="NO (exited during the run)"
stop_server
verify_rc=0
"$cli" audit verify --store "$store" > "$work/verify.txt" 2>&1 || verify_rc=$?
server_errors=$(grep -c -E '^(fail|crit):|Unhandled|Exception' "$work/server.log" || true)

{
  echo "machine: $machine"
  echo "store: $store_kind; $workers workers, $users user keys, ${duration} s; mix: ${mix:-default (Program.cs)}"
  echo "load before: $load_before"
  echo "load after:  $load_after"
  echo
  cat "$work/attack.txt"
  echo
  echo "server alive after the load: $server_alive; exit code after SIGTERM: $server_rc; error or exception lines in its log: $server_errors"
  echo "audit verify (exit $verify_rc): $(tr '\n' ' ' < "$work/verify.txt")"
  echo "check audit verify passing: $([ "$verify_rc" = 0 ] && echo ok || echo FAILED)"
  echo "generator exit code: $attack_rc (1: a check above failed)"
} | tee "$out/summary.txt"
if [ "$server_errors" != 0 ]; then
  echo "--- server log, error lines (first 20):"
  grep -E -A3 '^(fail|crit):|Unhandled|Exception' "$work/server.log" | head -80
fi | tee -a "$out/summary.txt"
cp "$work/server.log" "$out/server.log"

if [ "$attack_rc" = 0 ] && [ "$verify_rc" = 0 ] && [ "$server_alive" = yes ]; then exit 0; fi
exit 1

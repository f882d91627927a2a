#!/usr/bin/env bash
# Server ingestion throughput and expiry (issue 5), all on 127.0.0.1:
#   1. wrk against (a) a bare Kestrel endpoint with the same route (bench/Custodian.Server.Bare: reads the body, answers
#      201, no auth, no storage), (b) `custodian serve` on SQLite, (c) `custodian serve` on PostgreSQL 15 (a throwaway
#      cluster initdb'd into a temp dir): single-event posts, each to one of 1,000 session ids, then batched posts.
#   2. Expiry of 1,000,000 records (bench/Custodian.Server.Expiry): PostgreSQL's DeleteExpiredAsync (partition drop) vs
#      DELETE on a plain copy of the same rows, and SQLite's row DELETE.
# Every measurement runs RUNS times (default 2): the machine is shared, so read the better run.
#   bench/server/run.sh                               full run (about 10 minutes)
#   DURATION=5 RUNS=1 EXPIRY_ROWS=100000 bench/server/run.sh   quick check
# Knobs: DURATION (s, 20) WARMUP (s, 5) CONNECTIONS (32) THREADS (2) BATCH (events per batched post, 500)
#        RUNS (2) EXPIRY_ROWS (1000000) LIVE_ROWS (unexpired rows beside them, 100000) PG_BIN (/usr/lib/postgresql/15/bin)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=${OUT:-$root/bench/out/server}
duration=${DURATION:-20}
warmup=${WARMUP:-5}
connections=${CONNECTIONS:-32}
threads=${THREADS:-2}
batch=${BATCH:-500}
runs=${RUNS:-2}
expiry_rows=${EXPIRY_ROWS:-1000000}
live_rows=${LIVE_ROWS:-100000}
pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
mkdir -p "$out"

work=$(mktemp -d /tmp/custodian-bench-server.XXXXXX)
chmod 755 "$work"  # the postgres user must reach its data directory below it
server_pid=""
pg_data=""

stop_server() {
  [ -n "$server_pid" ] || return 0
  if kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
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
trap 'echo "run.sh: command failed at line $LINENO" >&2' ERR

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

# --- build once (Release, into bench/out/server/build so concurrent Debug builds of the tree are not disturbed)
echo "building (Release)..." >&2
for project in src/Custodian.Cli bench/Custodian.Server.Bare bench/Custodian.Server.Expiry; do
  dotnet build "$root/$project" -c Release --artifacts-path "$out/build" -nologo -v q -clp:ErrorsOnly > "$work/build.log" 2>&1 \
    || { cat "$work/build.log" >&2; exit 1; }
done
cli="$out/build/bin/Custodian.Cli/release/custodian"
bare="$out/build/bin/Custodian.Server.Bare/release/Custodian.Server.Bare"
expiry="$out/build/bin/Custodian.Server.Expiry/release/Custodian.Server.Expiry"

if ! command -v wrk >/dev/null; then
  echo "installing wrk..." >&2
  apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null
fi

# --- wrk scripts: POST with the key from $CUSTODIAN_KEY; each thread walks its own offset over 1,000 session ids.
# Events are ~200 bytes of JSON; a batched post carries BATCH of them (500 -> ~100 KB).
cat > "$work/post.lua" <<'LUA'
local per_request = tonumber(os.getenv("EVENTS_PER_REQUEST") or "1")
local next_thread = 0
function setup(thread)
  thread:set("tid", next_thread)
  next_thread = next_thread + 1
end
local function event(i)
  return string.format('{"type":"assistant","uuid":"7f1c2a9e-5b3d-4c8e-9a61-%012d","n":%d,"message":{"role":"assistant","text":"%s"}}',
    i, i, string.rep("lorem ipsum ", 9))
end
local parts = {}
for i = 1, per_request do parts[i] = event(i) end
local body = "[" .. table.concat(parts, ",") .. "]"
local counter = 0
function init(args)
  counter = (tid or 0) * 500
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  local key = os.getenv("CUSTODIAN_KEY") or ""
  if key ~= "" then wrk.headers["Authorization"] = "Bearer " .. key end
end
function request()
  counter = counter + 1
  return wrk.format("POST", "/v1/sessions/s" .. (counter % 1000) .. "/events", nil, body)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d seconds=%.3f rps=%.1f non2xx=%d sockerr=%d p50_ms=%.2f p99_ms=%.2f bytes_per_request=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6), e.status,
    e.connect + e.read + e.write + e.timeout, latency:percentile(50) / 1000, latency:percentile(99) / 1000, #body))
end
LUA

cpu_ticks() {  # utime+stime of the given pids (whole processes, all threads), in clock ticks
  local total=0 pid
  for pid in "$@"; do
    [ -r "/proc/$pid/stat" ] || continue
    total=$((total + $(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}
pg_pids() {  # postmaster and its children (backends, checkpointer, walwriter ...)
  [ -n "$pg_data" ] && [ -f "$pg_data/postmaster.pid" ] || return 0
  local master; master=$(head -1 "$pg_data/postmaster.pid")
  echo "$master"
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v m="$master" '{ s = $0; sub(/.*\) /, "", s); split(s, f, " "); if (f[2] == m) print $1 }'
}
hz=$(getconf CLK_TCK)

results="$work/results.tsv"   # target mode run rps events_per_s non2xx sockerr p50 p99 server_cpu_ms_per_req pg_cpu_ms_per_req load
: > "$results"

# wrk_run TARGET MODE RUN URL EVENTS_PER_REQUEST SECONDS [record]
wrk_run() {
  local target=$1 mode=$2 run=$3 url=$4 per=$5 seconds=$6 record=${7:-}
  local load; load=$(cut -d' ' -f1 /proc/loadavg)
  local s0 p0 s1 p1 pgp
  pgp=$(pg_pids | tr '\n' ' ')
  s0=$(cpu_ticks "$server_pid"); p0=$(cpu_ticks $pgp)
  local line
  line=$(EVENTS_PER_REQUEST=$per wrk -t "$threads" -c "$connections" -d "${seconds}s" --timeout 30s -s "$work/post.lua" "$url" \
    | tee -a "$out/wrk.log" | grep '^RESULT' || true)
  s1=$(cpu_ticks "$server_pid"); p1=$(cpu_ticks $pgp)
  [ -n "$line" ] || { echo "wrk gave no result for $target $mode" >&2; return 1; }
  [ -n "$record" ] || return 0
  local req rps non2xx sockerr p50 p99 ok
  req=$(sed -n 's/.* requests=\([0-9]*\).*/\1/p' <<<"$line")
  rps=$(sed -n 's/.* rps=\([0-9.]*\).*/\1/p' <<<"$line")
  non2xx=$(sed -n 's/.* non2xx=\([0-9]*\).*/\1/p' <<<"$line")
  sockerr=$(sed -n 's/.* sockerr=\([0-9]*\).*/\1/p' <<<"$line")
  p50=$(sed -n 's/.* p50_ms=\([0-9.]*\).*/\1/p' <<<"$line")
  p99=$(sed -n 's/.* p99_ms=\([0-9.]*\).*/\1/p' <<<"$line")
  ok=$((req - non2xx))
  acked_events=$((acked_events + ok * per))
  local eps scpu pcpu
  eps=$(awk -v r="$rps" -v n="$per" -v req="$req" -v ok="$ok" 'BEGIN { printf "%.0f", r * n * (req ? ok / req : 0) }')
  scpu=$(awk -v a="$s0" -v b="$s1" -v n="$req" -v hz="$hz" 'BEGIN { printf "%.3f", n ? (b - a) * 1000 / hz / n : 0 }')
  pcpu=$(awk -v a="$p0" -v b="$p1" -v n="$req" -v hz="$hz" 'BEGIN { printf "%.3f", n ? (b - a) * 1000 / hz / n : 0 }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$target" "$mode" "$run" "$rps" "$eps" "$non2xx" "$sockerr" "$p50" "$p99" "$scpu" "$pcpu" "$load" >> "$results"
  echo "  $target $mode run $run: $rps req/s, $eps events/s, non-2xx $non2xx, socket errors $sockerr, p50 ${p50} ms, p99 ${p99} ms, server ${scpu} CPU-ms/req, load $load" >&2
}

wait_healthy() {  # URL LOG
  for _ in $(seq 300); do
    curl -fsS -o /dev/null "$1/healthz" 2>/dev/null && return 0
    kill -0 "$server_pid" 2>/dev/null || { echo "server exited:" >&2; cat "$2" >&2; return 1; }
    sleep 0.2
  done
  echo "server not healthy after 60 s:" >&2; cat "$2" >&2; return 1
}

# measure TARGET BASE_URL: warm-up, then RUNS × (single-event posts, batched posts)
measure() {
  local target=$1 base=$2
  acked_events=0
  echo "$target: warm-up ${warmup}s" >&2
  CUSTODIAN_KEY=${key:-} wrk_run "$target" warmup 0 "$base" 1 "$warmup"
  CUSTODIAN_KEY=${key:-} wrk_run "$target" warmup 0 "$base" "$batch" "$warmup"
  acked_events=0
  for run in $(seq "$runs"); do
    CUSTODIAN_KEY=${key:-} wrk_run "$target" single "$run" "$base" 1 "$duration" record
    CUSTODIAN_KEY=${key:-} wrk_run "$target" batch "$run" "$base" "$batch" "$duration" record
  done
}

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(dotnet --version) SDK, $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2)" | tee "$out/machine.txt" >&2
: > "$out/wrk.log"

# --- (a) bare Kestrel
port=$(free_port); base="http://127.0.0.1:$port"
"$bare" "$base" > "$work/bare.log" 2>&1 & server_pid=$!
wait_healthy "$base" "$work/bare.log"
key="" measure bare "$base"
stop_server

# --- (b) custodian serve on SQLite
db="$work/sqlite/custodian.db"
key=$("$cli" keys create --store "sqlite:$db" --role user --subject bench)
port=$(free_port); base="http://127.0.0.1:$port"
"$cli" serve --store "sqlite:$db" --urls "$base" > "$work/sqlite.log" 2>&1 & server_pid=$!
wait_healthy "$base" "$work/sqlite.log"
measure sqlite "$base"
sqlite_acked=$acked_events
stop_server
sqlite_stored=$(sqlite3 "$db" "SELECT COUNT(*) FROM events")
echo "sqlite: $sqlite_stored events stored, $sqlite_acked acknowledged by 2xx in the recorded runs (+ warm-up)" >&2

# --- (c) PostgreSQL 15: a throwaway cluster, durable defaults (fsync, synchronous_commit on)
pg_data="$work/pg/data"
mkdir -p "$work/pg"
[ "$(id -u)" = 0 ] && chown -R postgres:postgres "$work/pg"
as_postgres "$pg_bin/initdb" -D "$pg_data" -A trust -U postgres -E UTF8 --locale=C --no-instructions >/dev/null
pg_port=$(free_port)
as_postgres "$pg_bin/pg_ctl" -D "$pg_data" -l "$work/pg/postgres.log" -w -t 60 \
  -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=256MB -c shared_preload_libraries=pg_stat_statements" \
  start >/dev/null
psql_() { psql -X -q -t -A -h 127.0.0.1 -p "$pg_port" -U postgres "$@"; }
# pg_target NAME DATABASE CONNECTION-STRING-SUFFIX
pg_target() {
  local name=$1 database=$2 extra=$3
  psql_ -d postgres -c "CREATE DATABASE $database" >/dev/null
  psql_ -d "$database" -c "CREATE EXTENSION pg_stat_statements" >/dev/null
  local conn="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=$database$extra"
  key=$("$cli" keys create --store "postgres:$conn" --role user --subject bench)
  port=$(free_port); base="http://127.0.0.1:$port"
  "$cli" serve --store "postgres:$conn" --urls "$base" > "$work/$name.log" 2>&1 & server_pid=$!
  wait_healthy "$base" "$work/$name.log"
  psql_ -d "$database" -c "SELECT pg_stat_statements_reset()" >/dev/null
  measure "$name" "$base"
  stop_server
  local stored; stored=$(psql_ -d "$database" -c "SELECT COUNT(*) FROM events")
  echo "$name: $stored events stored, $acked_events acknowledged by 2xx in the recorded runs (+ warm-up)" >&2
  stored_line="$stored_line, $name $stored ≥ $acked_events"
  # Statements by calls, for the record (where the server's round trips go); requests = sum of wrk's requests.
  psql_ -d "$database" -F $'\t' -c "SELECT calls, round(total_exec_time::numeric, 0), left(regexp_replace(query, '\s+', ' ', 'g'), 110) FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = '$database') ORDER BY calls DESC LIMIT 14" > "$out/pg_statements_$name.tsv"
}
stored_line="sqlite $sqlite_stored ≥ $sqlite_acked"
# As shipped: the store defaults to No Reset On Close=true (its advisory locks are all transaction-scoped).
pg_target postgres custodian ""
# The same server with the Npgsql default put back: every pooled connection reset when it is returned.
pg_target postgres-reset custodian_reset ";No Reset On Close=false"

# --- expiry of EXPIRY_ROWS records
expiry_results="$work/expiry.txt"
: > "$expiry_results"
for run in $(seq "$runs"); do
  echo "expiry run $run: PostgreSQL ($expiry_rows expired + $live_rows live rows)" >&2
  psql_ -d postgres -c "DROP DATABASE IF EXISTS expiry" >/dev/null
  psql_ -d postgres -c "CREATE DATABASE expiry" >/dev/null
  "$expiry" pg "Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=expiry;Command Timeout=0" "$expiry_rows" "$live_rows" \
    | sed "s/^/run=$run /" | tee -a "$expiry_results" >&2
  psql_ -d postgres -c "DROP DATABASE IF EXISTS expiry" >/dev/null
  echo "expiry run $run: SQLite" >&2
  rm -rf "$work/expiry-sqlite"; mkdir -p "$work/expiry-sqlite"
  "$expiry" sqlite "$work/expiry-sqlite/expiry.db" "$expiry_rows" "$live_rows" | sed "s/^/run=$run /" | tee -a "$expiry_results" >&2
  rm -rf "$work/expiry-sqlite"
done

# --- what one single-event post costs in the store alone: its store calls timed in-process, one at a time
psql_ -d postgres -c "CREATE DATABASE calls" >/dev/null
"$expiry" calls pg "Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=calls" 3000 > "$work/calls.tsv"
"$expiry" calls pg "Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=calls;No Reset On Close=false" 3000 \
  | sed 's/^pg\t/pg-reset\t/' >> "$work/calls.tsv"
"$expiry" calls sqlite "$work/calls.db" 3000 >> "$work/calls.tsv"
cp "$results" "$out/results.tsv"; cp "$expiry_results" "$out/expiry.txt"; cp "$work/calls.tsv" "$out/calls.tsv"

# --- report
best() { awk -F'\t' -v t="$1" -v m="$2" -v c="$3" '$1==t && $2==m && $c+0 > b { b = $c+0 } END { printf "%.0f", b }' "$results"; }
runs_of() { awk -F'\t' -v t="$1" -v m="$2" -v c="$3" '$1==t && $2==m { printf "%s%.0f", sep, $c; sep=" / " }' "$results"; }
cell() { awk -F'\t' -v t="$1" -v m="$2" -v c="$3" '$1==t && $2==m { printf "%s%s", sep, $c; sep=" / " }' "$results"; }
bare_single=$(best bare single 4)
echo
echo "$(cat "$out/machine.txt"); wrk -t$threads -c$connections -d${duration}s; load averages at the start of each run: $(cut -f12 "$results" | tr '\n' ' ')"
echo
echo "| Target | Posts | Requests/s (runs) | Best requests/s | Best events/s | vs bare (requests/s) | Non-2xx | p50 / p99 ms (runs) | Server CPU-ms per request (runs) | PostgreSQL CPU-ms per request (runs) |"
echo "|--------|-------|------------------:|----------------:|--------------:|------:|------:|------:|------:|------:|"
for target in bare sqlite postgres postgres-reset; do
  for mode in single batch; do
    label=$([ "$mode" = single ] && echo "1 event" || echo "$batch events")
    rps=$(best "$target" "$mode" 4)
    ratio=$(awk -v a="$rps" -v b="$(best bare "$mode" 4)" 'BEGIN { printf "%.2f", b ? a / b : 0 }')
    non2xx=$(awk -F'\t' -v t="$target" -v m="$mode" '$1==t && $2==m { s += $6 + $7 } END { print s + 0 }' "$results")
    lat=$(awk -F'\t' -v t="$target" -v m="$mode" '$1==t && $2==m { printf "%s%s/%s", sep, $8, $9; sep=", " }' "$results")
    pgcpu=$([[ "$target" = postgres* ]] && cell "$target" "$mode" 11 || echo "–")
    echo "| $target | $label | $(runs_of "$target" "$mode" 4) | $rps | $(best "$target" "$mode" 5) | $ratio | $non2xx | $lat | $(cell "$target" "$mode" 10) | $pgcpu |"
  done
done
echo
goal1="" goal2=""
for target in sqlite postgres postgres-reset; do
  goal1="$goal1 $target $(awk -v a="$(best "$target" single 4)" -v b="$bare_single" 'BEGIN { print (a >= b / 2) ? "met" : "not met" }');"
  goal2="$goal2 $target $(awk -v a="$(best "$target" batch 5)" 'BEGIN { print (a >= 50000) ? "met" : "not met" }');"
done
echo "Goal single-event posts ≥ 0.5 × bare ($bare_single req/s → $(awk -v b="$bare_single" 'BEGIN { printf "%.0f", b / 2 }')):$goal1"
echo "Goal batched posts ≥ 50,000 events/s:$goal2"
echo "Stored vs acknowledged (2xx × events, warm-up included in stored only): $stored_line"
echo
exp_runs() { sed -n "s/.* ${1}_seconds=\([0-9.]*\).*/\1/p" "$expiry_results" | paste -sd/ | sed 's#/# / #g'; }
exp_best() { sed -n "s/.* ${1}_seconds=\([0-9.]*\).*/\1/p" "$expiry_results" | sort -g | head -1; }
exp_rows() { sed -n "s/.* ${1}_rows=\([0-9]*\).*/\1/p" "$expiry_results" | head -1; }
echo "| Expiry of $expiry_rows records ($live_rows live rows beside them) | Rows | Seconds (runs) | Best s | Rows/s (best) |"
echo "|------|-----:|------:|------:|------:|"
for k in "pg_partition_drop|PostgreSQL: \`DeleteExpiredAsync\` (drop $(sed -n 's/.*pg_partitions_dropped=\([0-9]*\).*/\1/p' "$expiry_results" | head -1) day partitions + row trim)" \
         "pg_partition_count|PostgreSQL: for reference, \`COUNT(*)\` of those partitions (timed apart; the sweep reads \`reltuples\` of analyzed partitions instead)" \
         "pg_sessions_scan|PostgreSQL: of which the orphan-session scan over the live rows (timed apart, after the sweep)" \
         "pg_row_delete|PostgreSQL: \`DELETE ... WHERE expires_at <= now\` on a plain table" \
         "pg_row_vacuum|PostgreSQL: then \`VACUUM\` of the plain table (to reuse the space)" \
         "sqlite_row_delete|SQLite: \`DeleteExpiredAsync\` (row DELETE, secure_delete, WAL checkpoint)"; do
  id=${k%%|*}; label=${k#*|}
  b=$(exp_best "$id"); r=$(exp_rows "$id")
  echo "| $label | $r | $(exp_runs "$id") | $b | $(awk -v r="$r" -v s="$b" 'BEGIN { printf "%.0f", (s > 0) ? r / s : 0 }') |"
done
echo
echo "Slowest single-event append while the sweep ran (one every 20 ms): PostgreSQL $(sed -n 's/.*pg_append_during_sweep max_ms=\([0-9.]*\).*/\1/p' "$expiry_results" | paste -sd/ | sed 's#/# / #g') ms; SQLite $(sed -n 's/.*sqlite_append_during_sweep max_ms=\([0-9.]*\).*/\1/p' "$expiry_results" | paste -sd/ | sed 's#/# / #g') ms"
echo "PostgreSQL bulk load (COPY): $(exp_runs pg_load_copy) s; SQLite bulk load (one transaction): $(exp_runs sqlite_load) s"
grep -h 'check' "$expiry_results" | sed 's/^/  /'
echo
echo "| Store calls of one single-event post, in-process, one at a time | PostgreSQL µs | PostgreSQL, reset on close µs | SQLite µs |"
echo "|------|------:|------:|------:|"
cut -f2 "$work/calls.tsv" | awk '!seen[$0]++' | while read -r step; do
  echo "| $step | $(awk -F'\t' -v s="$step" '$1=="pg" && $2==s { sub(/ us/, "", $3); print $3 }' "$work/calls.tsv") | $(awk -F'\t' -v s="$step" '$1=="pg-reset" && $2==s { sub(/ us/, "", $3); print $3 }' "$work/calls.tsv") | $(awk -F'\t' -v s="$step" '$1=="sqlite" && $2==s { sub(/ us/, "", $3); print $3 }' "$work/calls.tsv") |"
done
echo
for name in postgres postgres-reset; do
  echo "Top PostgreSQL statements by calls, $name, warm-up and recorded runs (calls, total ms, query): $out/pg_statements_$name.tsv"
  cat "$out/pg_statements_$name.tsv"
done

#!/usr/bin/env bash
# Benchmarks local sessions (issue 4): `custodian sessions list` over 10,000 sessions (about 2 GB), with a cold
# and a warm index, against `ls -R` and `find -newermt`; and `custodian cleanup` over 100,000 files against
# `find ! -newermt -delete` doing the same deletions. Prints a markdown table (also in $OUT/results.md).
#
# Usage: bench/sessions/run.sh            full size (10,000 sessions ~2 GB; sweep tree of 100,000 files)
#        QUICK=1 bench/sessions/run.sh    1,000 sessions; sweep tree of 10,000 files
# Environment (all optional):
#   SESSIONS=10000  sessions in the listing tree          SWEEP_SESSIONS=20000  sessions in the sweep tree (2 files each)
#   SWEEP_OTHERS=60000  other files in the sweep tree     DAYS=30  the sweep's period (--days)
#   WARM_RUNS=5  COLD_RUNS=3  SWEEP_RUNS=3  START_RUNS=10  repetitions
#   BENCH_DIR=/tmp/custodian-bench  where the trees go (deleted at the end unless KEEP=1)
#   OUT=bench/out/sessions  timings (hyperfine JSON), the table   CUSTODIAN_DLL=path  skip the build, use this
#   SRC_REF=HEAD  build a git revision (exported to $BENCH_DIR/src) instead of the working tree, e.g. while
#                 colleagues' unfinished edits in src/ do not build
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here="$root/bench/sessions"

if [ "${QUICK:-0}" = 1 ]; then
  : "${SESSIONS:=1000}" "${SWEEP_SESSIONS:=2000}" "${SWEEP_OTHERS:=6000}"
fi
SESSIONS=${SESSIONS:-10000}
SWEEP_SESSIONS=${SWEEP_SESSIONS:-20000}
SWEEP_OTHERS=${SWEEP_OTHERS:-60000}
DAYS=${DAYS:-30}
WARM_RUNS=${WARM_RUNS:-5}
COLD_RUNS=${COLD_RUNS:-3}
SWEEP_RUNS=${SWEEP_RUNS:-3}
START_RUNS=${START_RUNS:-10}
BENCH_DIR=${BENCH_DIR:-/tmp/custodian-bench}
OUT=${OUT:-$root/bench/out/sessions}
KEEP=${KEEP:-0}

log() { printf '\n== %s (%s; load %s)\n' "$*" "$(date -u +%H:%M:%S)" "$(cut -d' ' -f1-3 /proc/loadavg)" >&2; }

# The bench dir is deleted whole: only ever one this script made (it carries a marker).
BENCH_DIR=$(realpath -m "$BENCH_DIR")
case "$BENCH_DIR" in /|/tmp|/root|/home|"$HOME"|"$root"*) echo "refusing BENCH_DIR=$BENCH_DIR" >&2; exit 2 ;; esac
if [ -e "$BENCH_DIR" ] && [ ! -e "$BENCH_DIR/.custodian-bench" ]; then
  echo "refusing to reuse $BENCH_DIR: it exists and was not made by this script" >&2; exit 2
fi
rm -rf "$BENCH_DIR"
mkdir -p "$BENCH_DIR" "$OUT"
touch "$BENCH_DIR/.custodian-bench"
rm -f "$OUT"/*.json "$OUT"/*.out "$OUT"/results.md
cleanup() { if [ "$KEEP" = 1 ]; then echo "kept $BENCH_DIR" >&2; else rm -rf "$BENCH_DIR"; fi; }
trap cleanup EXIT

# One timed benchmark: measure NAME RUNS WARMUP PREPARE COMMAND -> $OUT/NAME.json (hyperfine's format).
if command -v hyperfine >/dev/null; then timer=hyperfine; else timer=bash; fi
measure() {
  local name=$1 runs=$2 warmup=$3 prepare=$4 cmd=$5
  echo "-- $name: $cmd" >&2
  if [ "$timer" = hyperfine ]; then
    local args=(--style basic --runs "$runs" --warmup "$warmup" --export-json "$OUT/$name.json" --command-name "$name")
    [ -n "$prepare" ] && args+=(--prepare "$prepare")
    hyperfine "${args[@]}" -- "$cmd" >&2
  else
    local times=() i s e
    for ((i = 0; i < warmup; i++)); do [ -z "$prepare" ] || bash -c "$prepare"; bash -c "$cmd"; done
    for ((i = 0; i < runs; i++)); do
      [ -z "$prepare" ] || bash -c "$prepare"
      s=$(date +%s%N); bash -c "$cmd"; e=$(date +%s%N)
      times+=("$(awk -v a="$s" -v b="$e" 'BEGIN { printf "%.6f", (b - a) / 1e9 }')")
    done
    python3 - "$OUT/$name.json" "$name" "$cmd" "${times[@]}" <<'EOF'
import json, statistics, sys
out, name, cmd, times = sys.argv[1], sys.argv[2], sys.argv[3], [float(t) for t in sys.argv[4:]]
json.dump({"results": [{"command": name, "mean": statistics.mean(times), "median": statistics.median(times),
                        "min": min(times), "max": max(times), "times": times}]}, open(out, "w"))
EOF
  fi
}

# ---------------------------------------------------------------------------------------------------- build
log "build"
if [ -n "${CUSTODIAN_DLL:-}" ]; then
  cp -a "$(dirname "$CUSTODIAN_DLL")" "$BENCH_DIR/cli"
  commit=unknown dirty=-1
elif [ -n "${SRC_REF:-}" ]; then
  mkdir "$BENCH_DIR/src"
  git -C "$root" archive --format=tar "$SRC_REF" | tar -x -C "$BENCH_DIR/src"
  (cd "$BENCH_DIR/src" && dotnet build src/Custodian.Cli -c Release -nologo -v q >&2)
  cp -a "$BENCH_DIR/src/src/Custodian.Cli/bin/Release/net10.0" "$BENCH_DIR/cli"
  commit=$(git -C "$root" rev-parse --short "$SRC_REF") dirty=0
else
  (cd "$root" && dotnet build src/Custodian.Cli -c Release -nologo -v q >&2) \
    || { echo "the working tree does not build; try SRC_REF=HEAD" >&2; exit 1; }
  # A frozen copy: colleagues rebuilding src/ cannot change the binary under the benchmark.
  cp -a "$root/src/Custodian.Cli/bin/Release/net10.0" "$BENCH_DIR/cli"
  commit=$(git -C "$root" rev-parse --short HEAD)
  dirty=$(git -C "$root" status --porcelain -- src | wc -l)
fi
cli="dotnet $BENCH_DIR/cli/custodian.dll"
version=$($cli --version)

# The command as users install it (README): the tool package, precompiled (ReadyToRun) for this platform.
tool=""
if [ -z "${CUSTODIAN_DLL:-}" ]; then
  src="$root"; [ -n "${SRC_REF:-}" ] && src="$BENCH_DIR/src"
  (cd "$src" && dotnet pack src/Custodian.Cli -c Release -p:CustodianToolPack=true -o "$BENCH_DIR/packages" -nologo -v q >&2)
  dotnet tool install --tool-path "$BENCH_DIR/tool" Custodian.Cli --add-source "$BENCH_DIR/packages" >&2
  tool="$BENCH_DIR/tool/custodian"
fi

python3 - "$OUT/meta.json" <<EOF
import json, sys
json.dump({"commit": "$commit", "dirtySrcFiles": $dirty, "version": "$version", "timer": "$timer",
           "dotnet": "$(dotnet --version)", "cpu": "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)",
           "cores": $(nproc), "days": $DAYS, "started": "$(date -u +%FT%TZ)"}, open(sys.argv[1], "w"))
EOF

log "start-up baseline"
measure startup "$START_RUNS" 2 "" "$cli --version > /dev/null"
[ -z "$tool" ] || measure startup-tool "$START_RUNS" 2 "" "$tool --version > /dev/null"

# ---------------------------------------------------------------------------------------------------- listing
log "generate the listing tree: $SESSIONS sessions"
L="$BENCH_DIR/listing"
python3 "$here/gen.py" listing "$L" --sessions "$SESSIONS" --kb 190 | tee "$OUT/gen-listing.json" >&2
du -sb "$L/projects" | cut -f1 > "$OUT/listing-bytes.out"
since=$(date -u -d "$DAYS days ago" '+%Y-%m-%d %H:%M:%S')

log "listing: references"
measure ls-R "$WARM_RUNS" 1 "" "ls -R '$L/projects' > /dev/null"
measure find-newermt "$WARM_RUNS" 1 "" "find '$L/projects' -name '*.jsonl' -newermt '$since' | wc -l > /dev/null"

log "listing: cold index (every transcript read; page cache warm)"
measure list-cold "$COLD_RUNS" 0 "rm -f '$L'/custodian/sessions-index.db*" \
  "$cli sessions list --all --json --config-dir '$L' > /dev/null"

log "listing: warm index"
measure list-warm "$WARM_RUNS" 1 "" "$cli sessions list --all --json --config-dir '$L' > /dev/null"
[ -z "$tool" ] || measure list-warm-tool "$WARM_RUNS" 1 "" "$tool sessions list --all --json --config-dir '$L' > /dev/null"
$cli sessions list --all --json --config-dir "$L" > "$OUT/list.out"
find "$L/projects" -name '*.jsonl' -newermt "$since" | wc -l > "$OUT/find-newermt.out"
rm -rf "$L" # the listing tree is not needed any more: keep the disk for the sweep copies

# ---------------------------------------------------------------------------------------------------- sweep
log "generate the sweep tree: $SWEEP_SESSIONS sessions + $SWEEP_OTHERS other files"
T="$BENCH_DIR/sweep-template"
python3 "$here/gen.py" sweep "$T" --sessions "$SWEEP_SESSIONS" --others "$SWEEP_OTHERS" --days "$DAYS" --kb 8 \
  | tee "$OUT/gen-sweep.json" >&2
cutoff=$(date -u -d "$DAYS days ago" '+%Y-%m-%d %H:%M:%S')
echo "$cutoff" > "$OUT/cutoff.out"

# Each timed sweep starts on a fresh clone (not timed). `sync` first: without it the clone's 100,000 new files
# are still being written back while the sweep deletes them, and wall times swing 5-30x (seen: find 9-63 s).
copy() { echo "rm -rf '$1' && cp -a '$T' '$1' && sync"; }
warm() { echo "rm -rf '$1' && cp -a '$T' '$1' && $cli sessions list --all --json --config-dir '$1' > /dev/null && sync"; }

log "sweep: find -delete (reference)"
F="$BENCH_DIR/sweep-find"
measure sweep-find "$SWEEP_RUNS" 0 "$(copy "$F")" "find '$F' -type f ! -newermt '$cutoff' -delete"
FD="$BENCH_DIR/sweep-find-dirs"
measure sweep-find-dirs "$SWEEP_RUNS" 0 "$(copy "$FD")" \
  "find '$FD' -type f ! -newermt '$cutoff' -delete && find '$FD' -mindepth 1 -type d -empty -delete"

log "sweep: custodian cleanup --dry-run (planning only: list, age, collect per-session files; warm index)"
P="$BENCH_DIR/sweep-plan"
bash -c "$(warm "$P")"
measure sweep-dryrun-warm "$SWEEP_RUNS" 0 "" "$cli cleanup --days $DAYS --dry-run --json --config-dir '$P' > /dev/null"
rm -rf "$P"

for variant in notrash-cold notrash-warm trash-cold trash-warm; do
  C="$BENCH_DIR/sweep-$variant"
  case $variant in *notrash*) flags=--no-trash ;; *) flags= ;; esac
  case $variant in *cold) prep=$(copy "$C") ;; *) prep=$(warm "$C") ;; esac
  log "sweep: custodian cleanup $flags ($variant index)"
  measure "sweep-$variant" "$SWEEP_RUNS" 0 "$prep" \
    "$cli cleanup --days $DAYS $flags --json --config-dir '$C' > '$OUT/sweep-$variant.out'"
done

# ---------------------------------------------------------------------------------------------------- checks
log "checks"
remaining() { (cd "$1" && find . -type f ! -path './custodian/*' ! -path './trash/*' ! -name .custodian-bench | sort); }
remaining "$F" > "$OUT/remaining-find.out"
for variant in notrash-cold notrash-warm trash-cold trash-warm; do
  C="$BENCH_DIR/sweep-$variant"
  remaining "$C" > "$OUT/remaining-$variant.out"
  # Same surviving files as find; a number of files in the trash (manifests aside).
  diff -q "$OUT/remaining-find.out" "$OUT/remaining-$variant.out" > /dev/null && same=true || same=false
  trashed=$( [ -d "$C/trash" ] && find "$C/trash" -type f ! -name manifest.json | wc -l || echo 0)
  echo "{\"sameAsFind\": $same, \"trashedFiles\": $trashed, \"remaining\": $(wc -l < "$OUT/remaining-$variant.out")}" \
    > "$OUT/check-$variant.json"
done
echo "{\"remaining\": $(wc -l < "$OUT/remaining-find.out"), \"files\": $(cd "$T" && find . -type f ! -name .custodian-bench | wc -l)}" \
  > "$OUT/check-find.json"
python3 - "$OUT/meta.json" <<EOF
import json, sys
meta = json.load(open(sys.argv[1])); meta["finished"] = "$(date -u +%FT%TZ)"; meta["loadAtEnd"] = "$(cut -d' ' -f1-3 /proc/loadavg)"
json.dump(meta, open(sys.argv[1], "w"))
EOF

python3 "$here/report.py" "$OUT" | tee "$OUT/results.md"

#!/usr/bin/env bash
# Redaction throughput and recall (issue 3): Custodian against grep -F -c (the memory-scan reference)
# and secretlint 12 with its recommended preset. Generated data goes to bench/out/redaction (gitignored).
#   bench/redaction/run.sh            full run (200 MB transcript; secretlint on 10 MB)
#   SIZE_MB=50 bench/redaction/run.sh quicker run
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=${OUT:-$root/bench/out/redaction}
size_mb=${SIZE_MB:-200}
small_mb=${SMALL_MB:-10}
runs=${RUNS:-5}
mkdir -p "$out"

dotnet build "$root/bench/Custodian.Redaction.Throughput" -c Release -nologo -v q -clp:ErrorsOnly >/dev/null
harness="$root/bench/Custodian.Redaction.Throughput/bin/Release/net10.0/Custodian.Redaction.Throughput"

big="$out/transcript-${size_mb}mb.jsonl"
small="$out/transcript-${small_mb}mb.jsonl"
recall="$out/recall.txt"
[ -f "$big" ] || "$harness" generate "$big" "$size_mb" 2
[ -f "$small" ] || "$harness" generate "$small" "$small_mb" 2
"$harness" recall-set "$recall" 20
"$harness" anchors > "$out/anchors.txt"

# Best wall time of N runs of a command, in seconds (other work on the machine only ever slows a run down).
best_of() {
  local n=$1; shift
  local best=""
  for _ in $(seq "$n"); do
    local t0 t1
    # Output to a file, not /dev/null: GNU grep stops at the first match when it sees /dev/null.
    t0=$(date +%s.%N); "$@" >"$out/.best_of.out" 2>&1 || true; t1=$(date +%s.%N)
    best=$(echo "$t0 $t1 $best" | awk '{d=$2-$1; if ($3=="" || d<$3) print d; else print $3}')
  done
  echo "$best"
}
gbps() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.2f", b / s / 1e9 }'; }
bytes() { stat -c %s "$1"; }

cat "$big" > /dev/null  # page cache: every tool reads from memory

# --- Custodian: in-process best of N (Redactor.Redact(Stream, Stream) to a null stream)
c_line=$("$harness" redact "$big" "$runs")
c_sec=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<<"$c_line")
c_replaced=$(sed -n 's/.*replaced=\([0-9]*\).*/\1/p' <<<"$c_line")

# --- Custodian CLI end to end (process start included), when the command exists
cli="$root/src/Custodian.Cli/bin/Release/net10.0/custodian"
cli_sec=""
if [ -x "$cli" ] && "$cli" --help 2>/dev/null | grep -qw redact; then
  cli_sec=$(best_of 3 "$cli" redact "$big")
fi

# --- grep -F -c: one literal, and every Custodian anchor
g1_sec=$(best_of "$runs" grep -F -c 'sk-ant-' "$big")
ga_sec=$(best_of "$runs" grep -F -c -f "$out/anchors.txt" "$big")

# --- secretlint 12 (installed once into bench/out)
sl="$out/secretlint"
if [ ! -x "$sl/node_modules/.bin/secretlint" ]; then
  mkdir -p "$sl"
  (cd "$sl" && npm init -y >/dev/null && npm install --no-audit --no-fund secretlint@12 @secretlint/secretlint-rule-preset-recommend@12 >/dev/null)
fi
echo '{"rules":[{"id":"@secretlint/secretlint-rule-preset-recommend"}]}' > "$sl/.secretlintrc.json"
sl_version=$("$sl/node_modules/.bin/secretlint" --version)
secretlint() { (cd "$sl" && ./node_modules/.bin/secretlint --secretlintrc .secretlintrc.json "$@"); }
cp "$small" "$sl/small.jsonl"
cp "$recall" "$sl/recall.txt"
s_sec=$(best_of 3 secretlint small.jsonl --format json)
c_small_line=$("$harness" redact "$small" $((runs * 4)))  # a 10 MB run is short: take the best of more
c_small_sec=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<<"$c_small_line")

# --- Recall on the labelled set: one secret per line
total=$(wc -l < "$recall")
# secretlint exits before a pipe is flushed, so its JSON goes to a file.
"$harness" recall "$recall" > "$out/recall-custodian.tsv"
secretlint recall.txt --format json 2>/dev/null > "$out/recall-secretlint.json" || true
c_found=$(awk -F'\t' '{ hit += $2 } END { print hit }' "$out/recall-custodian.tsv")
node -e '
  const fs = require("fs");
  const labels = fs.readFileSync(process.argv[1] + ".labels", "utf8").trim().split("\n").map(l => l.split("\t")[0]);
  const found = new Set();
  for (const f of JSON.parse(fs.readFileSync(process.argv[2], "utf8") || "[]")) for (const m of f.messages) found.add(m.loc.start.line);
  const per = {};
  labels.forEach((name, i) => { per[name] ??= [0, 0]; per[name][1]++; if (found.has(i + 1)) per[name][0]++; });
  for (const [name, [hit, all]] of Object.entries(per)) console.log(name + "\t" + hit + "\t" + all);
' "$recall" "$out/recall-secretlint.json" > "$out/recall-secretlint.tsv"
s_found=$(awk -F'\t' '{ hit += $2 } END { print hit }' "$out/recall-secretlint.tsv")
missed_c=$(awk -F'\t' '$2 < $3 { printf "%s%s (%d/%d)", sep, $1, $2, $3; sep=", " }' "$out/recall-custodian.tsv")
missed_s=$(awk -F'\t' '$2 < $3 { printf "%s%s (%d/%d)", sep, $1, $2, $3; sep=", " }' "$out/recall-secretlint.tsv")

big_bytes=$(bytes "$big"); small_bytes=$(bytes "$small")
echo
echo "Machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), load $(cut -d' ' -f1-3 /proc/loadavg), $(dotnet --version) SDK"
echo
echo "| Tool | Input | Time (best of N) | Throughput |"
echo "|------|-------|-----------------:|-----------:|"
echo "| Custodian (in-process, 1 thread) | ${size_mb} MB transcript, ${c_replaced} secrets | ${c_sec} s | $(gbps "$big_bytes" "$c_sec") GB/s |"
[ -n "$cli_sec" ] && echo "| custodian redact FILE > /dev/null (CLI, process start included) | ${size_mb} MB | ${cli_sec} s | $(gbps "$big_bytes" "$cli_sec") GB/s |"
echo "| grep -F -c 'sk-ant-' | ${size_mb} MB | ${g1_sec} s | $(gbps "$big_bytes" "$g1_sec") GB/s |"
echo "| grep -F -c -f anchors.txt ($(wc -l < "$out/anchors.txt") literals) | ${size_mb} MB | ${ga_sec} s | $(gbps "$big_bytes" "$ga_sec") GB/s |"
echo "| Custodian (in-process) | ${small_mb} MB transcript | ${c_small_sec} s | $(gbps "$small_bytes" "$c_small_sec") GB/s |"
echo "| secretlint ${sl_version} + preset-recommend | ${small_mb} MB transcript | ${s_sec} s | $(gbps "$small_bytes" "$s_sec") GB/s |"
echo
echo "Custodian time / grep -F -c time: $(awk -v a="$c_sec" -v b="$g1_sec" 'BEGIN{printf "%.2f", a/b}') (one literal), $(awk -v a="$c_sec" -v b="$ga_sec" 'BEGIN{printf "%.2f", a/b}') (all anchors)"
echo "Custodian throughput / secretlint throughput: $(awk -v cs="$c_small_sec" -v ss="$s_sec" 'BEGIN{printf "%.0f", ss/cs}')x"
echo
echo "| Recall on $total labelled secrets ($(wc -l < "$out/recall-custodian.tsv") formats) | Found | Recall | Formats missed |"
echo "|------|------:|------:|------|"
echo "| Custodian | $c_found | $(awk -v f="$c_found" -v t="$total" 'BEGIN{printf "%.1f%%", 100*f/t}') | ${missed_c:-none} |"
echo "| secretlint ${sl_version} | $s_found | $(awk -v f="$s_found" -v t="$total" 'BEGIN{printf "%.1f%%", 100*f/t}') | ${missed_s:-none} |"

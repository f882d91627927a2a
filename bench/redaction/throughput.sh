#!/usr/bin/env bash
# Redaction throughput end to end (issue 14): `custodian redact FILE` (the native executable the tool package carries,
# and the ReadyToRun CLI; process start included) on a 200 MB transcript, against `grep -F -c` (output to a pipe: GNU grep stops at the first match when its
# output is /dev/null) and gitleaks 8 (bench/redaction/gitleaks.sh). Every run is timed; the best and the median of
# RUNS are reported with the load average around them, since the machine is shared. Data goes to bench/out/redaction.
#   bench/redaction/throughput.sh                 200 MB, 5 runs; gitleaks on 20 MB, 2 runs
#   SIZE_MB=50 RUNS=3 bench/redaction/throughput.sh
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=${OUT:-$root/bench/out/redaction}
size_mb=${SIZE_MB:-200}
gl_mb=${GITLEAKS_MB:-20}
runs=${RUNS:-5}
gl_runs=${GITLEAKS_RUNS:-2}
mkdir -p "$out"

# The CLI as it ships (the tool package is ReadyToRun), and the harness that generates the transcript.
rid=$(dotnet --info | sed -n 's/^ *RID: *//p' | head -1)
dotnet publish "$root/src/Custodian.Cli" -c Release -r "$rid" --self-contained false -p:PublishReadyToRun=true \
  -o "$out/cli" -nologo -v q -clp:ErrorsOnly >/dev/null
dotnet build "$root/bench/Custodian.Redaction.Throughput" -c Release -nologo -v q -clp:ErrorsOnly >/dev/null
cli="$out/cli/custodian"
# The native executable the tool package carries (./eng/publish.sh), rebuilt when any source is newer than it.
native="$root/artifacts/publish/custodian"
if [ ! -x "$native" ] || [ -n "$(find "$root/src" -name '*.cs' -not -path '*/obj/*' -not -path '*/bin/*' -newer "$native" -print -quit)" ]; then
  "$root/eng/publish.sh" --no-check >&2
fi
harness="$root/bench/Custodian.Redaction.Throughput/bin/Release/net10.0/Custodian.Redaction.Throughput"
gitleaks=$("$root/bench/redaction/gitleaks.sh")

big="$out/transcript-${size_mb}mb.jsonl"
small="$out/transcript-${gl_mb}mb.jsonl"
[ -f "$big" ] || "$harness" generate "$big" "$size_mb" 2
[ -f "$small" ] || "$harness" generate "$small" "$gl_mb" 2
"$harness" anchors > "$out/anchors.txt"
cat "$big" "$small" > /dev/null  # page cache: every tool reads from memory

# Times of N runs of a shell command line, one per line (seconds).
times_of() {
  local n=$1 cmd=$2 written=${3:-}
  for _ in $(seq "$n"); do
    local t0 t1
    # Every run writes a new file, removed untimed: truncating the last run's 200 MB inside the timed command costs
    # the file system about as much as writing them (ext4), which grep, writing nothing, never pays.
    [ -z "$written" ] || rm -f "$written"
    t0=$(date +%s.%N); bash -c "$cmd" >/dev/null 2>&1 || true; t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
  done
}
best() { sort -n | head -1; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
mbps() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.0f", b / s / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
load() { cut -d' ' -f1 /proc/loadavg; }

declare -A best_s median_s load_before load_after bytes_of
measure() {  # name bytes n command [the file it writes]
  local name=$1 bytes=$2 n=$3 cmd=$4 written=${5:-} all
  load_before[$name]=$(load)
  all=$(times_of "$n" "$cmd" "$written")
  load_after[$name]=$(load)
  best_s[$name]=$(best <<<"$all")
  median_s[$name]=$(median <<<"$all")
  bytes_of[$name]=$bytes
}

big_bytes=$(stat -c %s "$big"); small_bytes=$(stat -c %s "$small")
anchors=$(wc -l < "$out/anchors.txt")
measure native_pipe "$big_bytes" "$runs" "'$native' redact '$big' | cat > '$out/redacted-native.jsonl'" "$out/redacted-native.jsonl"
measure native_file "$big_bytes" "$runs" "'$native' redact '$big' > '$out/redacted-native.jsonl'" "$out/redacted-native.jsonl"
measure native_empty 0 "$runs" "'$native' redact < /dev/null | cat"
# The baseline executable on its own (CUS-87: on an x86-64-v4 CPU `custodian` runs its companion for redact).
measure base_pipe "$big_bytes" "$runs" "CUSTODIAN_NATIVE_ISA=baseline '$native' redact '$big' | cat > '$out/redacted-baseline.jsonl'" "$out/redacted-baseline.jsonl"
measure base_file "$big_bytes" "$runs" "CUSTODIAN_NATIVE_ISA=baseline '$native' redact '$big' > '$out/redacted-baseline.jsonl'" "$out/redacted-baseline.jsonl"
# Floors: the same bytes copied without looking at them, into the same pipe or file.
measure cat_pipe "$big_bytes" "$runs" "cat '$big' | cat > '$out/copied.jsonl'" "$out/copied.jsonl"
measure cat_file "$big_bytes" "$runs" "cat '$big' > '$out/copied.jsonl'" "$out/copied.jsonl"
measure redact_pipe "$big_bytes" "$runs" "'$cli' redact '$big' | cat > '$out/redacted.jsonl'" "$out/redacted.jsonl"
measure redact_file "$big_bytes" "$runs" "'$cli' redact '$big' > '$out/redacted.jsonl'" "$out/redacted.jsonl"
measure redact_empty 0 "$runs" "'$cli' redact < /dev/null | cat"
measure grep_one "$big_bytes" "$runs" "grep -F -c 'sk-ant-' '$big' | cat"
measure grep_all "$big_bytes" "$runs" "grep -F -c -f '$out/anchors.txt' '$big' | cat"
measure redact_small "$small_bytes" "$runs" "'$cli' redact '$small' | cat > '$out/redacted-small.jsonl'" "$out/redacted-small.jsonl"
measure gitleaks "$small_bytes" "$gl_runs" "'$gitleaks' detect --no-git --no-banner --redact --exit-code 0 --source '$small' --report-path '$out/gitleaks.json'"
split=$("$harness" split "$big" "$runs")
replaced=$("$cli" redact "$big" --report 2>&1 >/dev/null | sed -n 's/.*"total":\([0-9]*\).*/\1/p')
found_gl=$(grep -c '"RuleID"' "$out/gitleaks.json" || true)

row() {  # label name input
  local n=$1
  printf '| %s | %s | %s s | %s s | %s MB/s | %s → %s |\n' "$2" "$3" "${best_s[$n]}" "${median_s[$n]}" \
    "$( [ "${bytes_of[$n]}" = 0 ] && echo - || mbps "${bytes_of[$n]}" "${best_s[$n]}")" "${load_before[$n]}" "${load_after[$n]}"
}
echo
echo "Machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(dotnet --version) SDK; load average (1 min) before → after each row"
echo
echo "| Command | Input | Best of $runs | Median | Throughput (best) | Load |"
echo "|---|---|--:|--:|--:|---|"
row native_pipe "native \`custodian redact FILE \| cat > out\`" "${size_mb} MB, ${replaced} secrets"
row native_file "native \`custodian redact FILE > out\`" "${size_mb} MB"
row native_empty "native \`custodian redact < /dev/null \| cat\` (process start)" "0"
row base_pipe "native baseline (\`CUSTODIAN_NATIVE_ISA=baseline\`) \`redact FILE \| cat > out\`" "${size_mb} MB"
row base_file "native baseline (\`CUSTODIAN_NATIVE_ISA=baseline\`) \`redact FILE > out\`" "${size_mb} MB"
row redact_pipe "ReadyToRun \`custodian redact FILE \| cat > out\`" "${size_mb} MB, ${replaced} secrets"
row redact_file "ReadyToRun \`custodian redact FILE > out\`" "${size_mb} MB"
row redact_empty "ReadyToRun \`custodian redact < /dev/null \| cat\` (process start)" "0"
row grep_one "\`grep -F -c 'sk-ant-' FILE \| cat\`" "${size_mb} MB"
row grep_all "\`grep -F -c -f anchors.txt FILE \| cat\` (${anchors} literals)" "${size_mb} MB"
row cat_pipe "\`cat FILE \| cat > out\` (copy, no scan)" "${size_mb} MB"
row cat_file "\`cat FILE > out\` (copy, no scan)" "${size_mb} MB"
row redact_small "\`custodian redact FILE \| cat > out\`" "${gl_mb} MB"
row gitleaks "\`gitleaks detect --no-git --redact --source FILE\` (${gl_runs} runs, ${found_gl} findings)" "${gl_mb} MB"
echo
echo "In-process split (Custodian.Redaction.Throughput split, best of $runs): $split"
echo
image=$(bash -c "{ sleep 1; echo; } | '$native' redact >/dev/null & pid=\$!; sleep 0.5; readlink /proc/\$pid/exe; wait")
echo "native \`custodian redact\` ran: ${image##*/}"
echo "native custodian redact > out time / grep -F -c time: $(ratio "${best_s[native_file]}" "${best_s[grep_one]}"); baseline: $(ratio "${best_s[base_file]}" "${best_s[grep_one]}")"
echo "native baseline redact | cat time / grep -F -c time: $(ratio "${best_s[base_pipe]}" "${best_s[grep_one]}")"
echo "native custodian redact | cat time / grep -F -c time: $(ratio "${best_s[native_pipe]}" "${best_s[grep_one]}") (one literal), $(ratio "${best_s[native_pipe]}" "${best_s[grep_all]}") (all anchors)"
echo "ReadyToRun custodian redact | cat time / grep -F -c time: $(ratio "${best_s[redact_pipe]}" "${best_s[grep_one]}") (one literal), $(ratio "${best_s[redact_pipe]}" "${best_s[grep_all]}") (all anchors)"
cmp -s "$out/redacted.jsonl" "$out/redacted-native.jsonl" && cmp -s "$out/redacted.jsonl" "$out/redacted-baseline.jsonl" \
  && echo "native, native baseline and ReadyToRun outputs are identical" || echo "native, native baseline and ReadyToRun outputs DIFFER"
rm -f "$out/copied.jsonl"
echo "native custodian redact throughput (${size_mb} MB) / gitleaks throughput (${gl_mb} MB): $(awk -v c="${best_s[native_pipe]}" -v cb="$big_bytes" -v g="${best_s[gitleaks]}" -v gb="$small_bytes" 'BEGIN { printf "%.0f", (cb / c) / (gb / g) }')x; on the same ${gl_mb} MB file, process start included: $(awk -v c="${best_s[redact_small]}" -v g="${best_s[gitleaks]}" 'BEGIN { printf "%.0f", g / c }')x"

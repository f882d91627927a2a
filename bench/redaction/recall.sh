#!/usr/bin/env bash
# Redaction recall and false positives (issue 14): `custodian redact` (Release build of src/Custodian.Cli) against
# gitleaks 8.16 from Debian 13 with its default config, on the same file: the team's labelled set
# (bench/redaction/labelled/, one case per transcript line), scored line by line per family.
#   bench/redaction/recall.sh               build, run both tools, print the tables
#   NO_BUILD=1 bench/redaction/recall.sh    reuse the existing Release build
# Writes bench/out/redaction-recall/ (gitignored): cases.jsonl, custodian.jsonl, gitleaks.json, report.md,
# misses.md (Custodian's misses and false positives as case ids), cases.tsv.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=${OUT:-$root/bench/out/redaction-recall}
labelled="$root/bench/redaction/labelled"
mkdir -p "$out"

# The committed set must be what its generator makes (deterministic, seeded): no hand edits, no drift.
python3 "$labelled/generate.py" --check

python3 "$root/bench/redaction/recall.py" build "$labelled" "$out/cases.jsonl" "$out/index.json"

if [ -z "${NO_BUILD:-}" ]; then
  dotnet build "$root/src/Custodian.Cli" -c Release -nologo -v q -clp:ErrorsOnly >/dev/null
fi
dll="$root/src/Custodian.Cli/bin/Release/net10.0/custodian.dll"
[ -f "$dll" ] || { echo "recall.sh: $dll: not built (run without NO_BUILD)" >&2; exit 2; }

t0=$(date +%s.%N)
dotnet "$dll" redact "$out/cases.jsonl" > "$out/custodian.jsonl"
t1=$(date +%s.%N)

gitleaks=$("$root/bench/redaction/gitleaks.sh")
gl_version=$(zcat "$(dirname "$gitleaks")/../share/doc/gitleaks/changelog.Debian.gz" | sed -n '1s/^gitleaks (\([^)]*\)).*/\1/p')
rm -f "$out/gitleaks.json"
# Exit code 1 means "leaks found"; anything else is a failure of the run.
rc=0
"$gitleaks" detect --no-git --source "$out/cases.jsonl" --report-format json --report-path "$out/gitleaks.json" \
  --no-banner --log-level error --exit-code 3 || rc=$?
[ "$rc" = 0 ] || [ "$rc" = 3 ] || { echo "recall.sh: gitleaks failed (exit $rc)" >&2; exit 2; }
t2=$(date +%s.%N)

commit=$(git -C "$root" rev-parse --short HEAD)
dirty=$(git -C "$root" status --porcelain -- src | grep -q . && echo "+uncommitted src changes" || true)
python3 "$root/bench/redaction/recall.py" score "$out/index.json" "$out/cases.jsonl" "$out/custodian.jsonl" \
  "$out/gitleaks.json" "$out" \
  "date=$(date -u +%Y-%m-%d)" "commit=$commit$dirty" "gitleaks=$gl_version (default config)" \
  "lines=$(wc -l < "$out/cases.jsonl")" "size=$(( $(stat -c %s "$out/cases.jsonl") / 1024 )) KiB" \
  "custodian=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f s", b-a}')" \
  "gitleaks time=$(awk -v a="$t1" -v b="$t2" 'BEGIN{printf "%.1f s", b-a}')" \
  "load=$(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
echo "Per-case list of Custodian's misses and false positives: $out/misses.md"

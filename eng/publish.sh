#!/usr/bin/env bash
# Builds the self-contained native `custodian` (Native AOT) for this machine's platform at artifacts/publish/custodian,
# then smoke-checks the executable (--help, redact, hook, serve), so that a native build that compiles but breaks at
# run time (reflection the trimmer removed) fails here. With --pack, also writes the tool packages to
# artifacts/packages: ReadyToRun for every platform, and this platform's package native (docs/native.md).
#
#   ./eng/publish.sh [--pack] [--no-check | --check-only]   (--check-only: only the smoke check, on the last publish)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

pack=false check=true publish=true
for arg in "$@"; do
  case "$arg" in
    --pack) pack=true ;;
    --no-check) check=false ;;
    --check-only) publish=false ;;
    *) echo "publish.sh: unknown option $arg (expected --pack, --no-check, --check-only)" >&2; exit 2 ;;
  esac
done

rid=$(dotnet --info | sed -n 's/^ *RID: *//p' | head -n 1)
[ -n "$rid" ] || { echo "publish.sh: cannot tell this machine's runtime identifier from 'dotnet --info'" >&2; exit 1; }
# Native AOT links with the platform's C toolchain: clang by default, gcc where there is no clang (Custodian.Cli.csproj).
if [[ "$rid" == linux-* ]] && ! command -v clang >/dev/null && ! command -v gcc >/dev/null; then
  echo "publish.sh: Native AOT needs clang or gcc to link; install one (apt-get install clang)" >&2
  exit 1
fi

out="$root/artifacts/publish"
# The native build's own bin/ and obj/, apart from the RID-less ones that builds and tests use.
build="$root/artifacts/native"
common=(-c Release -r "$rid" -p:CustodianNative=true --artifacts-path "$build" -nologo -clp:NoSummary)

if $publish; then
  start=$(date +%s)
  rm -rf "$out"
  dotnet publish src/Custodian.Cli "${common[@]}" -o "$out"
  echo "published $out/custodian ($rid, $(du -h "$out/custodian" | cut -f1)) in $(( $(date +%s) - start )) s"

  # x64: the same program compiled for x86-64-v4 (AVX-512), which `custodian` executes in its place for the bulk
  # commands on CPUs that have it (CUS-87, docs/native.md); its own bin/ and obj/, only the executable is kept.
  if [[ "$rid" == *-x64 ]]; then
    start=$(date +%s)
    v4="$root/artifacts/native-x86-64-v4"
    rm -rf "$v4/publish"
    dotnet publish src/Custodian.Cli -c Release -r "$rid" -p:CustodianNative=true -p:IlcInstructionSet=x86-64-v4 \
      --artifacts-path "$v4" -nologo -clp:NoSummary -o "$v4/publish"
    cp "$v4/publish/custodian" "$out/custodian-x86-64-v4.tmp"
    mv "$out/custodian-x86-64-v4.tmp" "$out/custodian-x86-64-v4"
    echo "published $out/custodian-x86-64-v4 ($(du -h "$out/custodian-x86-64-v4" | cut -f1)) in $(( $(date +%s) - start )) s"
  fi

  if $pack; then
    packages="$root/artifacts/packages"
    # Every platform ReadyToRun with the framework-dependent fallback, then this platform's package again, native.
    dotnet pack src/Custodian.Cli -c Release -p:CustodianToolPack=true -o "$packages" -nologo -clp:NoSummary
    companion=()
    [ -x "$out/custodian-x86-64-v4" ] && companion=(-p:CustodianCompanion="$out/custodian-x86-64-v4")
    dotnet pack src/Custodian.Cli "${common[@]}" -p:CustodianToolPack=true "${companion[@]}" -o "$packages"
    echo "packed $packages ($rid native)"
  fi
fi

$check || exit 0

# The smoke check: each command the native build must not break, on synthetic data in a scratch directory.
exe="$out/custodian"
scratch=$(mktemp -d)
server_pid= pg_dir= as_postgres=()
finish() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ -n "$pg_dir" ]; then
    "${as_postgres[@]}" pg_ctl -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
  fi
  rm -rf "$scratch"
}
trap finish EXIT
fail() { echo "publish.sh: smoke check failed: $*" >&2; exit 1; }
export HOME="$scratch/home" CLAUDE_CONFIG_DIR="$scratch/home/.claude"
mkdir -p "$CLAUDE_CONFIG_DIR"
# A made-up token in GitHub's published format, new every run.
token="ghp_$(head -c 64 /dev/urandom | base64 -w0 | tr -dc 'A-Za-z0-9' | cut -c1-36)"

"$exe" --help >"$scratch/help" || fail "custodian --help exited $?"
grep -q 'hook' "$scratch/help" || fail "custodian --help does not list the hook command"

redacted=$(printf 'export GITHUB_TOKEN=%s\n' "$token" | "$exe" redact) || fail "custodian redact exited $?"
[[ "$redacted" == *"[REDACTED:"* && "$redacted" != *"$token"* ]] || fail "custodian redact left the token: $redacted"

# On an x86-64-v4 CPU `redact` runs in the companion (CUS-87): the same output, and the process image is the companion's.
if [ -x "$out/custodian-x86-64-v4" ]; then
  baseline=$(printf 'export GITHUB_TOKEN=%s\n' "$token" | CUSTODIAN_NATIVE_ISA=baseline "$exe" redact) || fail "custodian redact (baseline) exited $?"
  [ "$baseline" = "$redacted" ] || fail "custodian redact differs between the baseline and the x86-64-v4 build: $baseline / $redacted"
  flags=$(grep -m1 '^flags' /proc/cpuinfo || true)
  v4cpu=true
  for flag in avx2 bmi1 bmi2 fma movbe abm f16c avx512f avx512bw avx512cd avx512dq avx512vl; do
    [[ " ${flags#*:} " == *" $flag "* ]] || v4cpu=false
  done
  for isa in "" baseline; do
    { sleep 1; printf 'x\n'; } | CUSTODIAN_NATIVE_ISA=$isa "$exe" redact >/dev/null &
    pid=$!
    sleep 0.5
    image=$(readlink "/proc/$pid/exe" || true)
    wait "$pid" || fail "custodian redact (CUSTODIAN_NATIVE_ISA=$isa) exited $?"
    want="$out/custodian"
    $v4cpu && [ -z "$isa" ] && want="$out/custodian-x86-64-v4"
    [ "$image" = "$want" ] || fail "custodian redact (CUSTODIAN_NATIVE_ISA=$isa) ran $image, not $want"
  done
fi

rc=0
printf '{"session_id":"smoke","hook_event_name":"UserPromptSubmit","cwd":"%s","prompt":"deploy with %s"}' "$scratch" "$token" \
  | "$exe" hook >"$scratch/hook.out" 2>"$scratch/hook.err" || rc=$?
[ "$rc" -eq 2 ] || fail "custodian hook answered a prompt with a secret with exit $rc, not 2 (blocked): $(cat "$scratch/hook.err")"

# The hooks `install` would write run this very executable (docs/native.md).
"$exe" install --dry-run >"$scratch/install" 2>&1 || fail "custodian install --dry-run exited $?: $(cat "$scratch/install")"
grep -qF "\"command\": \"$exe hook\"" "$scratch/install" || fail "custodian install does not write $exe into the hooks: $(head -c 600 "$scratch/install")"

# The server on STORE: health, a key, an upload and a read, i.e. the generated endpoint binding, the API's JSON and
# problem+json, and the store, natively.
check_server() {
  local store=$1 port base key status grpc
  port=$(( 20000 + RANDOM % 20000 ))
  base="http://127.0.0.1:$port"
  grpc="http://127.0.0.1:$(( port + 1 ))"
  "$exe" serve --store "$store" --urls "$base" --otlp-grpc-urls "$grpc" >"$scratch/serve.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do
    curl -fsS "$base/healthz" >"$scratch/health" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || fail "custodian serve --store ${store%%:*} exited: $(cat "$scratch/serve.log")"
    sleep 0.1
  done
  grep -q '"status":"ok"' "$scratch/health" || fail "GET /healthz (${store%%:*}): $(cat "$scratch/health" 2>/dev/null)"
  key=$("$exe" keys create --store "$store" --role user --subject smoke) || fail "custodian keys create --store ${store%%:*} exited $?"
  status=$(curl -s -o "$scratch/unauthorized" -w '%{http_code}' "$base/v1/sessions") || true
  [ "$status" = 401 ] && grep -q '"status":401' "$scratch/unauthorized" || fail "GET /v1/sessions without a key: $status $(cat "$scratch/unauthorized")"
  status=$(curl -s -o "$scratch/append" -w '%{http_code}' -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    --data '[{"type":"user","message":"hello"}]' "$base/v1/sessions/smoke-1/events") || true
  [ "$status" = 201 ] && grep -q '"stored":1' "$scratch/append" || fail "POST /v1/sessions/smoke-1/events: $status $(cat "$scratch/append")"
  # To files, not piped to grep -q: it stops reading at the first match, and curl's failed write would fail the check.
  curl -fsS -H "Authorization: Bearer $key" "$base/v1/sessions" >"$scratch/sessions" || true
  grep -q '"id":"smoke-1"' "$scratch/sessions" || fail "GET /v1/sessions does not list smoke-1: $(cat "$scratch/sessions")"
  # The collector (OTL-1): OTLP/JSON through the source-generated readers and the policy, read back redacted.
  printf '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"1772442000000000000","body":{"stringValue":"claude_code.user_prompt"},"attributes":[{"key":"session.id","value":{"stringValue":"smoke-otel"}},{"key":"prompt","value":{"stringValue":"deploy with %s"}}]}]}]}]}' "$token" >"$scratch/logs.json"
  status=$(curl -s -o "$scratch/logs.out" -w '%{http_code}' -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    --data-binary "@$scratch/logs.json" "$base/v1/logs") || true
  [ "$status" = 200 ] || fail "POST /v1/logs (OTLP/JSON): $status $(cat "$scratch/logs.out")"
  curl -fsS -H "Authorization: Bearer $key" "$base/v1/sessions/smoke-otel/telemetry" >"$scratch/telemetry" || true
  grep -q 'deploy with \[REDACTED:' "$scratch/telemetry" && ! grep -qF "$token" "$scratch/telemetry" \
    || fail "GET /v1/sessions/smoke-otel/telemetry is not the redacted prompt: $(cat "$scratch/telemetry")"
  # The gRPC receiver's hand-bound service: an empty export request in one gRPC frame, over cleartext HTTP/2.
  printf '\0\0\0\0\0' >"$scratch/grpc.bin"
  curl -s --http2-prior-knowledge -o /dev/null -D "$scratch/grpc.headers" -H "Authorization: Bearer $key" -H 'Content-Type: application/grpc' \
    -H 'TE: trailers' --data-binary "@$scratch/grpc.bin" "$grpc/opentelemetry.proto.collector.logs.v1.LogsService/Export" || true
  grep -qi '^grpc-status: 0' "$scratch/grpc.headers" || fail "gRPC LogsService/Export: $(cat "$scratch/grpc.headers" 2>/dev/null)"
  curl -fsS "$base/openapi/v1.json" >"$scratch/openapi.json" || true
  grep -q '"/v1/sessions/{id}/events"' "$scratch/openapi.json" || fail "GET /openapi/v1.json does not describe the API"
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=
}

check_server "sqlite:$scratch/store.db"
checked="sqlite"
# PostgreSQL (Npgsql) too where its server is installed: a throwaway cluster, as the postgres user when run as root.
if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
  pg_dir=$(mktemp -d)
  if [ "$(id -u)" = 0 ]; then chown postgres: "$pg_dir"; as_postgres=(runuser -u postgres --); fi
  "${as_postgres[@]}" initdb -D "$pg_dir/data" -A trust -U postgres -E UTF8 --locale=C --no-sync >"$scratch/initdb.log" 2>&1 \
    || fail "initdb: $(cat "$scratch/initdb.log")"
  pg_port=$(( 40000 + RANDOM % 20000 ))
  "${as_postgres[@]}" pg_ctl -D "$pg_dir/data" -l "$pg_dir/log" -w -t 60 \
    -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null || fail "pg_ctl start: $(cat "$pg_dir/log")"
  check_server "postgres:Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres"
  checked="sqlite and postgres"
fi
echo "smoke check passed: --help, redact (and its x86-64-v4 companion where built), hook (exit 2 on a secret), install, serve on $checked (healthz, keys, events, sessions, OTLP/JSON and gRPC telemetry, openapi)"

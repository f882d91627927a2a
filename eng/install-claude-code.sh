#!/usr/bin/env bash
# Installs the pinned Claude Code client (npm @anthropic-ai/claude-code) into .tools/claude-code of the checkout,
# once, for the tests that run the real client. It is a test dependency under Anthropic's commercial terms: never
# vendored, committed or shipped. Prints the client's path. Safe to run concurrently (a lock) and again (a no-op).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
version=${CUSTODIAN_CLAUDE_CODE_VERSION:-2.1.328}
dir="$root/.tools/claude-code"
bin="$dir/node_modules/.bin/claude"
mkdir -p "$root/.tools"

installed() { [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -q "^$version "; }

exec 9>"$root/.tools/claude-code.lock"
flock 9
if ! installed; then
  command -v npm >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm) >/dev/null 2>&1
  staging="$dir.staging"
  rm -rf "$staging"
  mkdir -p "$staging"
  # The package's postinstall only links the platform's native binary; its own update check never runs here.
  npm install --prefix "$staging" --no-audit --no-fund --loglevel=error "@anthropic-ai/claude-code@$version" >&2
  rm -rf "$dir"
  mv "$staging" "$dir"
  installed || { echo "install-claude-code: $bin does not report version $version" >&2; exit 1; }
fi
echo "$bin"

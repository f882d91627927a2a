#!/usr/bin/env bash
# Fetches gitleaks from Debian 13 (trixie) into .tools/gitleaks/ for the redaction benchmarks (issue 14), without
# touching the machine's apt sources or state: a private apt state and sources list, `apt-get download`, `dpkg -x`.
# Prints the executable's path. A no-op when it is already there.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
dest="$root/.tools/gitleaks"
exe="$dest/usr/bin/gitleaks"
if [[ -x "$exe" ]]; then echo "$exe"; exit 0; fi
mkdir -p "$dest"
exec 9>"$dest.lock"; flock 9
if [[ -x "$exe" ]]; then echo "$exe"; exit 0; fi
state="$(mktemp -d)"; trap 'rm -rf "$state"' EXIT
mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$state/etc/preferences.d" "$state/etc/apt.conf.d"
cat > "$state/etc/sources.list" <<SOURCES
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main
SOURCES
opts=(-o "Dir::State=$state" -o "Dir::State::Lists=$state/lists" -o "Dir::State::status=/dev/null"
      -o "Dir::Cache=$state/cache" -o "Dir::Etc::SourceList=$state/etc/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
      -o "Dir::Etc::Preferences=/dev/null" -o "Dir::Etc::PreferencesParts=$state/etc/preferences.d"
      -o "APT::Architecture=$(dpkg --print-architecture)" -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")
apt-get "${opts[@]}" -qq update >&2
(cd "$state/cache" && apt-get "${opts[@]}" -qq download gitleaks >&2)
dpkg -x "$state"/cache/gitleaks_*.deb "$dest"
"$exe" version >&2
echo "$exe"

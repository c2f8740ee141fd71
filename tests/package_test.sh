#!/bin/bash
# `make package` builds the agent's Debian package: its control names the package and its
# dependencies, it holds the binary and the systemd unit, and the packaged binary runs.
set -euo pipefail
src=$1 build=$2
cd "$src"
deb=$(bash scripts/package.sh "$build")
info=$(dpkg-deb -I "$deb")
files=$(dpkg-deb -c "$deb")
grep -q "Package: wardsec-agent" <<<"$info"
grep -q "Depends: .*libcurl4" <<<"$info"
grep -q "./usr/bin/wardsec$" <<<"$files"
grep -q "./lib/systemd/system/wardsec-agent.service$" <<<"$files"
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg-deb -x "$deb" "$root"
help=$("$root/usr/bin/wardsec" agent --help)
grep -q enroll <<<"$help"
grep -q "ExecStart=/usr/bin/wardsec agent run" "$root/lib/systemd/system/wardsec-agent.service"
echo "1 passed, 0 failed"

#!/bin/bash
# `make package`: the host agent as a Debian package (wardsec-agent_VERSION_ARCH.deb in BUILD):
# the wardsec binary, the systemd unit wardsec-agent.service and docs/agents.md. Its Depends are
# the Debian packages of the shared libraries the binary links (ldd, dpkg -S).
set -euo pipefail
build=${1:-build/release}
bin="$build/wardsec"
[ -x "$bin" ] || { echo "package: $bin is not built (make build)" >&2; exit 1; }
version=$(sed -n 's/.*kVersion = "\(.*\)";/\1/p' src/core/version.h)
arch=$(dpkg --print-architecture)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
chmod 0755 "$stage"
install -D -m 0755 "$bin" "$stage/usr/bin/wardsec"
install -D -m 0644 packaging/wardsec-agent.service "$stage/lib/systemd/system/wardsec-agent.service"
install -D -m 0644 docs/agents.md "$stage/usr/share/doc/wardsec-agent/agents.md"
deps=$(ldd "$bin" | awk '/=> \//{print $3}' | while read -r lib; do
  dpkg -S "$(readlink -f "$lib")" 2>/dev/null || dpkg -S "$lib" 2>/dev/null || true
done | cut -d: -f1 | sort -u | paste -sd, | sed 's/,/, /g')
mkdir -p "$stage/DEBIAN"
cat > "$stage/DEBIAN/control" <<CONTROL
Package: wardsec-agent
Version: $version
Architecture: $arch
Maintainer: wardsec <wardsec@hospital.local>
Depends: $deps
Recommends: auditd, nftables
Section: admin
Priority: optional
Description: wardsec host agent (主机代理)
 Forwards logs to the wardsec center over mutual TLS with a spool, watches file integrity
 with who-data from auditd, verifies critical files against a baseline the center signs,
 takes the host's inventory, runs the host checks and the active responses the center's
 security administrator enabled.
CONTROL
cat > "$stage/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ] && [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
echo "wardsec-agent: enrol with 'wardsec agent enroll --center HOST:PORT --token T --ca-fingerprint FP --state /var/lib/wardsec-agent', then 'systemctl enable --now wardsec-agent'"
POSTINST
chmod 0755 "$stage/DEBIAN/postinst"
out="$build/wardsec-agent_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$out" >/dev/null
echo "$out"

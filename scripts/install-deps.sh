#!/usr/bin/env bash
# Installs everything wardsec needs to build, run and test on Debian 12.
# Idempotent: installs only what is missing. Both `make run` and `make test` call it.
set -euo pipefail

PKGS=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git clang-14 libclang-rt-14-dev
  # libraries (see docs/architecture.md for why each)
  libboost-dev libboost-system-dev libssl-dev libzstd-dev zlib1g-dev
  libyaml-cpp-dev nlohmann-json3-dev libsimdjson-dev libcli11-dev libspdlog-dev libfmt-dev
  libsqlite3-dev libpcre2-dev libvectorscan-dev libargon2-dev libpwquality-dev cracklib-runtime libcurl4-openssl-dev libsystemd-dev libqrencode-dev libxlsxwriter-dev libpcap-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  rsyslog rsyslog-relp rsyslog-openssl python3 python3-cryptography python3-aiosmtpd python3-pymysql python3-psycopg2 openssl procps
  # web-attack detection: nginx as the real upstream of the proxy tests, tcpdump to capture the
  # mirrored-traffic test's pcap, ModSecurity v3 + OWASP CRS as the benchmark's peer (bench/)
  nginx-light tcpdump libmodsecurity-dev modsecurity-crs
  # database audit: real MariaDB and PostgreSQL servers in the capture tests (started on loopback
  # in temporary folders by the tests, never as system services)
  mariadb-server mariadb-client postgresql
  # the console's browser tests (Chromium driven by playwright-core) and CJK fonts for its screenshots
  chromium fonts-noto-cjk
  # the bastion: libssh for its SSH server and its logins to targets; OpenSSH's sshd as the real
  # target and its ssh/sftp/scp clients as the operator in the tests (expect drives them)
  libssh-dev openssh-server openssh-client expect python3-pexpect
  # operations monitoring: net-snmp for the SNMP probes, snmpd (and its snmpget) as the device in the tests
  libsnmp-dev snmpd snmp
  # assets and vulnerabilities: expat reads scanners' XML reports as streams; nmap is the
  # discovery scanner (run as a child process, its XML parsed) and scans loopback in the tests
  libexpat1-dev nmap
  # the host agent: nftables for its address blocks (active response), auditd for who changed a
  # file (who-data) where the machine lets it run
  nftables auditd
  # reports: Chromium prints them to PDF; tests read PDFs back (pdftotext) and render pages (pdftoppm)
  poppler-utils
  # scale-out for a region (docs/cluster.md): NATS JetStream carries the collectors' batches,
  # ClickHouse stores and searches them; the tests start both on loopback in temporary folders
  nats-server libnats-dev clickhouse-server clickhouse-client
)
# Node.js and npm build the web console; use the machine's own when it has one.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then PKGS+=(nodejs npm); fi

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# rsyslog and nginx are test peers only: their packages must not start system services (the
# tests start their own on loopback ports). policy-rc.d tells invoke-rc.d not to start
# anything during this install; it is removed afterwards if we put it there.
policy=/usr/sbin/policy-rc.d
made_policy=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null && $SUDO chmod 755 "$policy" && made_policy=1
fi
rc=0
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" || rc=$?
if [ -n "$made_policy" ]; then $SUDO rm -f "$policy"; fi
[ "$rc" -eq 0 ] || exit "$rc"
# (policy-rc.d kept nginx, MariaDB and PostgreSQL from starting; a server the machine already
# ran before this install is left alone.)
if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now rsyslog >/dev/null 2>&1 || true; fi
pkill -x rsyslogd 2>/dev/null || true

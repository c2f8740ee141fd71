#!/usr/bin/env bash
# Runs bench/probe_bench.cc against nginx on the loopback (TCP connects and HTTP GETs; ICMP goes
# to 127.0.x.y, which the kernel answers). Usage: bench/probe_bench.sh BUILD_DIR [N] [SECONDS]
set -euo pipefail
build=${1:-build/release}; n=${2:-2000}; secs=${3:-120}
t=$(mktemp -d); port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
chmod 755 "$t"; mkdir -p "$t/www"; echo ok > "$t/www/index.html"; chmod -R a+rX "$t/www"
cat > "$t/nginx.conf" <<CONF
daemon off; pid $t/nginx.pid; error_log $t/error.log; worker_processes 1;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path $t/b; proxy_temp_path $t/p; fastcgi_temp_path $t/f; uwsgi_temp_path $t/u; scgi_temp_path $t/s;
  server { listen 127.0.0.1:$port; root $t/www; } }
CONF
/usr/sbin/nginx -c "$t/nginx.conf" -p "$t" & ng=$!
trap 'kill $ng 2>/dev/null; wait $ng 2>/dev/null; rm -rf "$t"' EXIT
sleep 1
"$build/bench/probe_bench" --n "$n" --seconds "$secs" --tcp "127.0.0.1:$port" --http "http://127.0.0.1:$port/"

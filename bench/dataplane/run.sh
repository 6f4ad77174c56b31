#!/usr/bin/env bash
# Data-plane benchmark: wrk for a fixed time against the app directly, through a sidecar pair in
# plaintext, through a sidecar pair with mTLS, and through an nginx mTLS pair configured the same.
#   bench/dataplane/run.sh [SECONDS_PER_RUN]   (default 5; BENCH_ROUNDS=3 interleaved rounds;
#                                               installs wrk and nginx if missing)
set -euo pipefail
cd "$(dirname "$0")/../.."
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx-light)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]} (Debian packages)"
  if [ "$(id -u)" = 0 ]; then apt-get install -y "${need[@]}" >/dev/null; else sudo apt-get install -y "${need[@]}" >/dev/null; fi
fi
exec node --import tsx bench/dataplane/run.ts "${1:-5}"

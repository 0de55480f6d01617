#!/usr/bin/env bash
# `npm run bench`: builds, then measures the Rust worker against hand-written JS workers on
# workerd (Miniflare's configuration, no wrangler proxy), and the click ingest through
# `wrangler dev` and Miniflare — see bench/run.mjs and BENCHMARKS.md.
# Installs wrk and valgrind from Debian when missing. Writes nothing into the repository
# unless given --write (then the latest results go into BENCHMARKS.md).
# Options (after `--`): --write --quick --no-callgrind --cg-runs=N --duration=S --rounds=N
# --requests=N --ingest=N --no-ingest --no-wrangler --ingest-only; for profiling --cg-only --targets=… --method=HEAD --keep=DIR (bench/run.mjs).
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
bash "$here/setup.sh"
source "$here/env.sh"
cd "$ROOT"

apt_install wrk valgrind   # env.sh: installs those of them that are missing

bash "$here/build.sh"
log "benchmark (load average now: $(cut -d' ' -f1-3 /proc/loadavg))"
exec "$(node_bin)" bench/run.mjs "$@"

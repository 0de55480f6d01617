#!/usr/bin/env bash
# Miniflare runs this in place of workerd (MINIFLARE_WORKERD_PATH) for the instruction
# counts: the same workerd, under callgrind, with instrumentation off until bench/run.mjs turns
# it on around a fixed number of requests.
echo $$ >"$AE_CALLGRIND_OUT.pid"
exec valgrind -q --tool=callgrind --callgrind-out-file="$AE_CALLGRIND_OUT" --instr-atstart=no \
  --dump-line=no --compress-strings=no --trace-children=no --vgdb=yes "$AE_WORKERD_BIN" "$@"

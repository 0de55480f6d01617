#!/usr/bin/env bash
# `npm run dev`: set up, build, apply migrations/ to the local D1, and serve on $PORT (8787).
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
bash "$here/setup.sh"
bash "$here/build.sh"
source "$here/env.sh"
cd "$ROOT"
port="${PORT:-8787}"
persist="${AE_PERSIST_DIR:-$ROOT/.wrangler/state}"
# A state directory made before migrations/ existed (schema.sql executed, no d1_migrations
# table) is fine: 0001 only creates what does not exist, then it is recorded as applied.
log "applying migrations/ to the local D1 ($persist)"
migrate_local "$persist"
log "serving on http://127.0.0.1:$port (try: curl localhost:$port/health)"
# Locally, outgoing events may go to a receiver on 127.0.0.1 or localhost, and are retried
# after 1 s, 2 s, 4 s, 8 s (deployed: https only, from 30 s).
exec "$(node_bin)" node_modules/wrangler/bin/wrangler.js dev --local --test-scheduled \
  --ip 127.0.0.1 --port "$port" --persist-to "$persist" --show-interactive-dev-session=false \
  --var "ALLOW_HTTP_WEBHOOKS:true" --var "WEBHOOK_RETRY_BASE_MS:1000"

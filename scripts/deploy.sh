#!/usr/bin/env bash
# `npm run deploy`: set up, build, apply the unapplied files of migrations/ to the remote D1,
# then deploy the worker. Needs a Cloudflare login (`npm run wrangler -- login`, or
# CLOUDFLARE_API_TOKEN) and the real D1 and KV ids in wrangler.toml (README, "Deploying").
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
bash "$here/setup.sh"
source "$here/env.sh"
cd "$ROOT"
if grep -Eq '^(database_id|id) = "[0-]+"$' wrangler.toml; then
  die "wrangler.toml still has a placeholder D1 or KV id: create them (README, \"Deploying\") and put their ids there"
fi
bash "$here/build.sh"
# Running `npm run deploy` is the confirmation: wrangler's prompt is answered by its
# non-interactive "yes" (no terminal on stdin, CI=true). A failed migration stops the deploy.
log "applying migrations/ to the remote D1"
CI=true wrangler d1 migrations apply DB --remote </dev/null
log "deploying the worker"
wrangler deploy

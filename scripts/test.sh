#!/usr/bin/env bash
# `npm test`: set up, check style (rustfmt, clippy) and the docs (cargo doc), run the native unit tests and the
# migrations test, build the wasm worker, start it under `wrangler dev` on a free port with
# fresh local state built by migrations/, run the end-to-end tests over HTTP against it, and
# stop it. Any failure (a missing server included) exits non-zero.
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
bash "$here/setup.sh"
source "$here/env.sh"
cd "$ROOT"

log "style: cargo fmt --check, cargo clippy --all-targets -- -D warnings (native)"
style_cargo fmt --check
style_cargo clippy --quiet --all-targets -- -D warnings
# The reference docs: `cargo doc` with no warning (the domain has #![warn(missing_docs)]).
log "docs: cargo doc --no-deps --lib with warnings as errors"
RUSTDOCFLAGS="-D warnings" cargo doc --quiet --no-deps --lib

log "unit tests (native)"
cargo test --quiet --lib

# migrations/ applied to an empty D1 must give exactly schema.sql's shape.
log "migrations test (node --test tests/migrations.test.mjs)"
"$(node_bin)" --test --test-reporter=dot tests/migrations.test.mjs

bash "$here/build.sh"

# The clicks queue's consumer, handed batches directly (twice, and failing mid-batch).
log "queue consumer test (node --test tests/queue.test.mjs)"
"$(node_bin)" --test --test-reporter=dot tests/queue.test.mjs

# Chromium, for the checks in a real browser (the live page, the storefront script, the
# dashboard); curl,
# jq and openssl, which the README's quickstart uses.
apt_install chromium curl jq openssl
export AE_CHROMIUM="${AE_CHROMIUM:-$(command -v chromium)}"

state="$(mktemp -d "${TMPDIR:-/tmp}/affiliate-edge-test.XXXXXX")"
port="$("$(node_bin)" -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
# A token made for this run: the tests get it, nothing else knows it.
token="test-admin-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
server_log="$state/wrangler.log"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$state"
}
trap cleanup EXIT

log "applying migrations/ to a fresh local D1 ($state)"
migrate_local "$state"

log "starting wrangler dev on 127.0.0.1:$port"
# PUBLIC_ORIGIN is emptied (a deploy may set it in wrangler.toml's [vars]): the tests expect
# the URLs the worker hands out to be on the origin they call. Outgoing events may go to the
# tests' own receiver on 127.0.0.1, and retry after 1 s, 2 s, 4 s, 8 s.
"$(node_bin)" node_modules/wrangler/bin/wrangler.js dev --local --test-scheduled \
  --ip 127.0.0.1 --port "$port" --persist-to "$state" --show-interactive-dev-session=false \
  --var "ADMIN_TOKEN:$token" --var "VISITOR_SALT:test-salt" --var "CLICK_SECRET:test-click-secret" --var "PUBLIC_ORIGIN:" \
  --var "ALLOW_HTTP_WEBHOOKS:true" --var "WEBHOOK_RETRY_BASE_MS:1000" --log-level "${AE_WRANGLER_LOG:-warn}" \
  >"$server_log" 2>&1 &
pid=$!

ready=""
for _ in $(seq 1 120); do
  if ! kill -0 "$pid" 2>/dev/null; then break; fi
  if curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; then ready=1; break; fi
  sleep 0.5
done
if [ -z "$ready" ]; then
  log "the worker did not come up; wrangler said:"
  tail -n 50 "$server_log" >&2
  exit 1
fi

log "end-to-end tests against http://127.0.0.1:$port"
status=0
AE_BASE_URL="http://127.0.0.1:$port" AE_ADMIN_TOKEN="$token" AE_STATE_DIR="$state" AE_NODE="$(node_bin)" \
  cargo test --quiet --test e2e -- "$@" || status=$?
if [ "$status" = 0 ] && [ $# = 0 ]; then
  log "storefront script in Chromium (node --test tests/storefront.test.mjs)"
  AE_BASE_URL="http://127.0.0.1:$port" AE_ADMIN_TOKEN="$token" \
    "$(node_bin)" --test --test-reporter=dot tests/storefront.test.mjs || status=$?
  log "live sessions' pushed feed (node --test tests/live-socket.test.mjs)"
  AE_BASE_URL="http://127.0.0.1:$port" AE_ADMIN_TOKEN="$token" \
    "$(node_bin)" --test --test-reporter=dot tests/live-socket.test.mjs || status=$?
  log "the live show's page in Chromium (node --test tests/live-show.test.mjs)"
  AE_BASE_URL="http://127.0.0.1:$port" AE_ADMIN_TOKEN="$token" \
    "$(node_bin)" --test --test-reporter=dot tests/live-show.test.mjs || status=$?
  log "the dashboard in Chromium (node --test tests/app.test.mjs; screenshots in build/screenshots)"
  AE_BASE_URL="http://127.0.0.1:$port" AE_ADMIN_TOKEN="$token" \
    "$(node_bin)" --test --test-reporter=spec tests/app.test.mjs || status=$?
  log "the README's quickstart, as written (node --test tests/quickstart.test.mjs)"
  AE_BASE_URL="http://127.0.0.1:$port" AE_ADMIN_TOKEN="$token" \
    "$(node_bin)" --test --test-reporter=dot tests/quickstart.test.mjs || status=$?
fi
if [ "$status" != 0 ]; then
  log "end-to-end tests failed; the last of wrangler's log:"
  tail -n 40 "$server_log" >&2
fi
exit "$status"

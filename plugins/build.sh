#!/usr/bin/env bash
# Builds every example plugin from source into dist/<id>/ (plugin.wasm + plugin.toml).
#
#   plugins/build.sh            # build the guests, pack them into dist/
#
# The guests are built for wasm32-unknown-unknown. With rustup that target is one
# command away (`rustup target add wasm32-unknown-unknown`); where rustup cannot add
# it, Debian's toolchain (packages rustc-web cargo-web rust-web-src lld) builds the
# standard library from source with -Zbuild-std. WASM_CARGO picks which:
#   WASM_CARGO=rustup  cargo + the rustup target
#   WASM_CARGO=debian  /usr/bin/cargo with -Zbuild-std (the default when rustup has no target)
set -euo pipefail
cd "$(dirname "$0")"
# The plugin workspace keeps its own target dir, whatever the caller's is.
export CARGO_TARGET_DIR="$PWD/target"

examples=(guardians-without-students concurrent-schools)
mode="${WASM_CARGO:-}"
if [ -z "$mode" ]; then
    if command -v rustup >/dev/null && rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
        mode=rustup
    else
        mode=debian
    fi
fi

# The plugins start with 4 MiB of memory (the 1 MiB stack, data, and a heap that holds
# a usual case), so a run needs no memory.grow; the SDK's bump allocator uses it.
link="-C link-arg=--initial-memory=4194304"

pkgs=()
for e in "${examples[@]}"; do pkgs+=(-p "$e"); done

case "$mode" in
    rustup)
        RUSTFLAGS="$link" cargo build --release --locked --target wasm32-unknown-unknown "${pkgs[@]}"
        ;;
    debian)
        PATH=/usr/bin:$PATH RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 RUSTFLAGS="-C linker=wasm-ld $link" \
            /usr/bin/cargo build --release --locked -Zbuild-std=std,panic_abort \
            --target wasm32-unknown-unknown "${pkgs[@]}"
        ;;
    *) echo "WASM_CARGO must be rustup or debian" >&2; exit 2 ;;
esac

# The packer runs natively, with whatever cargo is first on PATH.
cargo build --release --locked -p cdt-plugin-pack
for e in "${examples[@]}"; do
    ./target/release/cdt-plugin-pack "target/wasm32-unknown-unknown/release/${e//-/_}.wasm" \
        "examples/$e/plugin.toml" dist
done

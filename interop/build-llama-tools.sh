#!/usr/bin/env bash
# Builds llama.cpp's command-line tools that node-llama-cpp does not ship prebuilt (llama-quantize, llama-bench,
# llama-imatrix, and llama-mtmd-cli with its libmtmd for multimodal models) from the llama.cpp source inside
# node-llama-cpp (llama/gitRelease.bundle). The build is cached outside the checkout, keyed by the bundle's
# release tag and hash, in ${SMELT_TOOLS_CACHE:-$HOME/.cache/smelt}/llama.cpp/<tag>-<hash>/bin. Idempotent:
# returns at once when the binaries are there; a cache that lacks only some of them (one made before
# llama-mtmd-cli was added) gets just the missing ones added beside the others, which are left untouched.
# Prints the bin directory on its last line.
# A first build takes 15-40 minutes on 2 cores; CPU-only, no network.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
llama="$here/node_modules/node-llama-cpp/llama"
bundle="$llama/gitRelease.bundle"
[ -f "$bundle" ] || { echo "build-llama-tools.sh: $bundle missing (run interop/install.sh first)" >&2; exit 1; }
tag="$(node -p "require('$llama/llama.cpp.info.json').tag")"
hash="$(sha256sum "$bundle" | cut -c1-12)"
cache="${SMELT_TOOLS_CACHE:-$HOME/.cache/smelt}/llama.cpp/$tag-$hash"
# llama-mtmd-cli is tools/mtmd's executable (target llama-mtmd-cli, linking the mtmd library) in this release
targets=(llama-quantize llama-imatrix llama-mtmd-cli llama-bench)
missing=()
for t in "${targets[@]}"; do [ -x "$cache/bin/$t" ] || missing+=("$t"); done
if [ "${#missing[@]}" = 0 ]; then echo "$cache/bin"; exit 0; fi
command -v cmake >/dev/null || { echo "build-llama-tools.sh: cmake is not installed" >&2; exit 1; }
mkdir -p "$cache"
# An interrupted build resumes from its work folder (cmake is incremental).
work="$cache/work"
[ -d "$work/src/.git" ] || { rm -rf "$work"; git clone -q "$bundle" "$work/src" 2>/dev/null; }
cmake -S "$work/src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
    -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF \
    -DGGML_NATIVE=OFF -DGGML_OPENMP=ON >"$cache/cmake.log" 2>&1 || { tail -20 "$cache/cmake.log" >&2; exit 1; }
cmake --build "$work/build" -j "$(nproc)" --target "${missing[@]}" >"$cache/build.log" 2>&1 \
    || { tail -30 "$cache/build.log" >&2; exit 1; }
if [ -d "$cache/bin" ]; then
    # add the missing binaries beside the cached ones, each by an atomic rename
    for t in "${missing[@]}"; do
        cp "$work/build/bin/$t" "$cache/bin/.$t.$$" && mv "$cache/bin/.$t.$$" "$cache/bin/$t"
    done
else
    mkdir -p "$cache/bin.$$"
    for t in "${missing[@]}"; do cp "$work/build/bin/$t" "$cache/bin.$$/"; done
    rm -rf "$cache/bin" && mv "$cache/bin.$$" "$cache/bin"
fi
rm -rf "$work"
echo "$cache/bin"

#!/usr/bin/env bash
# Installs Smelt's interop harness (node-llama-cpp with prebuilt llama.cpp binaries, @huggingface/gguf, and
# transformers.js 4.3.1 whose onnxruntime-node bundles its CPU binaries; its postinstall, skipped, only fetches CUDA libs)
# into interop/node_modules from package-lock.json. Idempotent: returns at once when the installed tree matches
# the lock file. Never downloads or builds llama.cpp itself: install scripts are disabled and node-llama-cpp's
# download step is switched off, so only the npm registry is contacted.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

command -v node >/dev/null 2>&1 || { echo "install.sh: node is not installed (need Node.js >= 20)" >&2; exit 1; }
command -v npm >/dev/null 2>&1 || { echo "install.sh: npm is not installed" >&2; exit 1; }
major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$major" -lt 20 ]; then
    echo "install.sh: Node.js $(node --version) is too old (need >= 20)" >&2
    exit 1
fi

stamp="node_modules/.smelt-interop-stamp"
want="$(node -e 'const c=require("crypto"),f=require("fs");process.stdout.write(c.createHash("sha256").update(f.readFileSync("package-lock.json")).update(process.versions.node).digest("hex"))')"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d node_modules/node-llama-cpp ] && [ -d node_modules/@huggingface/gguf ] && [ -d node_modules/@huggingface/transformers ]; then
    echo "interop harness already installed ($here/node_modules)"
    exit 0
fi

export NODE_LLAMA_CPP_SKIP_DOWNLOAD=true
rm -f "$stamp"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
node scripts/harness-info.mjs
echo "$want" > "$stamp"
echo "interop harness installed ($here/node_modules)"

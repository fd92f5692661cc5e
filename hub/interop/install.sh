#!/usr/bin/env bash
# Installs @huggingface/hub (pinned in package-lock.json) into hub/interop/node_modules for HubCacheInteropIT.
# Idempotent; contacts only the npm registry; runs no install scripts.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
command -v node >/dev/null 2>&1 || { echo "hub/interop/install.sh: node is not installed (need Node.js >= 20)" >&2; exit 1; }
command -v npm >/dev/null 2>&1 || { echo "hub/interop/install.sh: npm is not installed" >&2; exit 1; }
major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$major" -lt 20 ]; then
    echo "hub/interop/install.sh: Node.js $(node --version) is too old (need >= 20)" >&2
    exit 1
fi
stamp="node_modules/.smelt-hub-interop-stamp"
want="$(node -e 'const c=require("crypto"),f=require("fs");process.stdout.write(c.createHash("sha256").update(f.readFileSync("package-lock.json")).update(process.versions.node).digest("hex"))')"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d node_modules/@huggingface/hub ]; then
    echo "hub interop harness already installed ($here/node_modules)"
    exit 0
fi
rm -f "$stamp"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
echo "hub interop harness installed ($here/node_modules)"

// Smelt hub interop: drives @huggingface/hub's cache code and prints JSON on stdout.
//   node hub-cache.mjs scan CACHE_DIR
//   node hub-cache.mjs download HUB_URL CACHE_DIR TYPE REPO REVISION
import { scanCacheDir, snapshotDownload } from "@huggingface/hub";

const [cmd, ...args] = process.argv.slice(2);
console.debug = () => {};
console.info = () => {};

if (cmd === "scan") {
  const info = await scanCacheDir(args[0]);
  const out = {
    warnings: info.warnings.map((w) => String(w.message ?? w)),
    repos: info.repos.map((r) => ({
      id: r.id,
      path: r.path,
      size: r.size,
      filesCount: r.filesCount,
      revisions: r.revisions.map((v) => ({
        commitOid: v.commitOid,
        refs: [...v.refs].sort(),
        files: v.files.map((f) => ({ path: f.path, blob: f.blob.path, size: f.blob.size })).sort((a, b) => a.path.localeCompare(b.path)),
      })),
    })),
  };
  process.stdout.write(JSON.stringify(out) + "\n");
} else if (cmd === "download") {
  const [hubUrl, cacheDir, type, name, revision] = args;
  const snapshot = await snapshotDownload({ repo: { type, name }, revision, cacheDir, hubUrl });
  process.stdout.write(JSON.stringify({ snapshot }) + "\n");
} else {
  process.stderr.write("usage: hub-cache.mjs scan DIR | download HUB_URL CACHE_DIR TYPE REPO REVISION\n");
  process.exit(2);
}

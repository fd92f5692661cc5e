#!/usr/bin/env node
// Rewrites a GGUF with @huggingface/gguf's own header writer: metadata from IN merged with --set (a JSON object
// {key: {type, sub_type?, value}} using GGUF value type ids; value null deletes the key), tensor infos and data
// copied unchanged. Gives Smelt's reader a file written by an independent implementation.
// Usage: node gguf-set-metadata.mjs IN.gguf OUT.gguf --set '{"general.name": {"type": 8, "value": "x"}}'
import { gguf, buildGgufHeader } from "@huggingface/gguf";
import { openAsBlob } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import path from "node:path";
import { fail, parseArgs } from "./llama-common.mjs";

const USAGE = "node gguf-set-metadata.mjs IN.gguf OUT.gguf --set JSON";
const opts = parseArgs(process.argv.slice(2), { set: { default: "{}", parse: (raw) => raw } }, USAGE);
if (opts._.length !== 2) fail("expected IN.gguf and OUT.gguf", USAGE, 2);
const [inFile, outFile] = opts._.map((p) => path.resolve(p));
let updates;
try {
    updates = JSON.parse(opts.set);
} catch (e) {
    fail(`--set is not JSON: ${e.message}`, USAGE, 2);
}

const BIG = new Set([10, 11]); // UINT64, INT64 are bigint in @huggingface/gguf
const toTyped = (entry) => {
    const conv = (t, v) => (BIG.has(t) ? BigInt(v) : v);
    if (entry.type === 9) return { type: 9, subType: entry.sub_type, value: entry.value.map((v) => conv(entry.sub_type, v)) };
    return { type: entry.type, value: conv(entry.type, entry.value) };
};

const tmp = `${outFile}.${process.pid}.tmp`;
try {
    const parsed = await gguf(inFile, { allowLocalFile: true, typedMetadata: true });
    const meta = { ...parsed.typedMetadata };
    for (const [key, entry] of Object.entries(updates)) {
        if (entry === null || entry.value === null) delete meta[key];
        else meta[key] = toTyped(entry);
    }
    const kvCount = Object.keys(meta).filter((k) => !["version", "tensor_count", "kv_count"].includes(k)).length;
    meta.kv_count = { type: 10, value: BigInt(kvCount) };
    const alignment = Number(meta["general.alignment"]?.value ?? 32);
    const blob = await openAsBlob(inFile);
    const header = await buildGgufHeader(blob, meta, {
        littleEndian: parsed.littleEndian,
        tensorInfoByteRange: parsed.tensorInfoByteRange,
        alignment,
    });
    const out = await open(tmp, "w");
    try {
        await out.write(new Uint8Array(await header.arrayBuffer()));
        const data = blob.slice(Number(parsed.tensorDataOffset));
        await out.write(new Uint8Array(await data.arrayBuffer()));
        await out.sync();
    } finally {
        await out.close();
    }
    await rename(tmp, outFile);
    process.stdout.write(JSON.stringify({ file: outFile, kv_count: kvCount, header_bytes: header.size }) + "\n");
} catch (e) {
    await rm(tmp, { force: true });
    fail(`gguf-set-metadata: ${inFile}: ${e?.message ?? e}`);
}

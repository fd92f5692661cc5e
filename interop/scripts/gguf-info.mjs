#!/usr/bin/env node
// Prints what @huggingface/gguf reads from a GGUF file as JSON:
// {version, tensor_count, kv_count, tensor_data_offset, metadata: {key: {type, sub_type?, value}}, tensors: [...]}.
// Value type ids are GGUF's (0 UINT8 … 12 FLOAT64). 64-bit integers are printed as numbers when exact, else strings.
// Usage: node gguf-info.mjs FILE.gguf [--max-array N]   (arrays longer than N are cut to N items plus "length")
import { gguf } from "@huggingface/gguf";
import path from "node:path";

function usage(msg) {
    if (msg) console.error(`gguf-info: ${msg}`);
    console.error("usage: node gguf-info.mjs FILE.gguf [--max-array N]");
    process.exit(2);
}

const args = process.argv.slice(2);
let file = null;
let maxArray = Infinity;
for (let i = 0; i < args.length; i++) {
    if (args[i] === "--max-array") maxArray = Number(args[++i]);
    else if (args[i].startsWith("--")) usage(`unknown option ${args[i]}`);
    else if (file === null) file = args[i];
    else usage("only one file");
}
if (!file) usage("missing FILE.gguf");
if (!(maxArray >= 0)) usage("--max-array needs a number");

const plain = (v) => {
    if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
    if (Array.isArray(v)) return v.map(plain);
    return v;
};

try {
    const out = await gguf(path.resolve(file), { allowLocalFile: true, typedMetadata: true });
    const meta = {};
    for (const [key, entry] of Object.entries(out.typedMetadata)) {
        if (key === "version" || key === "tensor_count" || key === "kv_count") continue;
        const item = { type: entry.type, value: plain(entry.value) };
        if (entry.subType !== undefined) item.sub_type = entry.subType;
        if (Array.isArray(item.value) && item.value.length > maxArray) {
            item.length = item.value.length;
            item.value = item.value.slice(0, maxArray);
        }
        meta[key] = item;
    }
    const result = {
        file: path.resolve(file),
        version: plain(out.metadata.version),
        tensor_count: plain(out.metadata.tensor_count),
        kv_count: plain(out.metadata.kv_count),
        tensor_data_offset: plain(out.tensorDataOffset),
        metadata: meta,
        tensors: out.tensorInfos.map((t) => ({
            name: t.name,
            shape: t.shape.map(plain),
            dtype: t.dtype,
            offset: plain(t.offset),
        })),
    };
    process.stdout.write(JSON.stringify(result) + "\n");
} catch (e) {
    console.error(`gguf-info: ${file}: ${e?.message ?? e}`);
    process.exit(1);
}

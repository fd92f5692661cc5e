#!/usr/bin/env node
// Loads a GGUF with llama.cpp (node-llama-cpp, CPU only), creates a context of --ctx tokens (one sequence, F16 KV
// cache) and reports the memory llama.cpp itself logs for it: KV cache, recurrent state, compute buffers, in bytes.
// Prints JSON: {kv_cache_bytes, recurrent_state_bytes, compute_buffer_bytes, lines: [the log lines read]}.
import path from "node:path";
import { getLlama, LlamaLogLevel } from "node-llama-cpp";
import { fail, int, llamaInfo, loadModel, parseArgs } from "./llama-common.mjs";

const USAGE = "node llama-memory.mjs FILE.gguf [--ctx 4096]";
const opts = parseArgs(process.argv.slice(2), { ctx: { default: 4096, parse: int(16) } }, USAGE);
if (opts._.length !== 1) fail("expected exactly one GGUF file", USAGE, 2);

const file = path.resolve(opts._[0]);
const lines = [];
let model, context;
try {
    const llama = await getLlama({
        gpu: false, build: "never", usePrebuiltBinaries: true, skipDownload: true, progressLogs: false,
        logLevel: LlamaLogLevel.debug,
        logger: (level, message) => {
            if (/kv_cache|memory_recurrent|compute buffer size|output buffer size/.test(message)) lines.push(message.trim());
        },
    });
    model = await loadModel(llama, file);
    context = await model.createContext({ contextSize: opts.ctx, sequences: 1 });
    // llama.cpp's log reaches JavaScript asynchronously; the compute buffer is the last of these lines it writes
    for (let waited = 0; !lines.some((l) => /compute buffer size/.test(l)); waited += 50) {
        if (waited >= 10000) fail("llama-memory: llama.cpp logged no compute buffer size within 10 s");
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // "... size =    1.00 MiB ..." → bytes (llama.cpp prints MiB with two decimals)
    const mib = (re) => {
        let total = 0, seen = false;
        for (const l of lines) {
            const m = l.match(re);
            if (m) { total += Number(m[1]) * 1024 * 1024; seen = true; }
        }
        return seen ? total : null;
    };
    const result = {
        file,
        ctx: opts.ctx,
        context_size: context.contextSize,
        kv_cache_bytes: mib(/llama_kv_cache: size = +([0-9.]+) MiB/),
        recurrent_state_bytes: mib(/llama_memory_recurrent: size = +([0-9.]+) MiB/),
        compute_buffer_bytes: mib(/compute buffer size = +([0-9.]+) MiB/),
        lines,
        ...llamaInfo(llama),
    };
    process.stdout.write(JSON.stringify(result) + "\n");
} catch (e) {
    fail(`llama-memory: ${file}: ${e?.message ?? e}`);
} finally {
    await context?.dispose();
    await model?.dispose();
}

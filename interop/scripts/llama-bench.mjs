#!/usr/bin/env node
// Measures llama.cpp (node-llama-cpp, CPU) prefill and decode speed on a GGUF, like llama-bench's pp/tg tests.
// Each repeat uses a fresh sequence: prefill = evaluating --prompt tokens without sampling; decode = greedily
// generating --gen tokens one at a time after that. Prints JSON with per-run numbers and medians (tokens/s).
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fail, int, llamaInfo, loadLlama, loadModel, parseArgs } from "./llama-common.mjs";

const USAGE = "node llama-bench.mjs FILE.gguf [--prompt 128] [--gen 64] [--repeat 3] [--warmup 1] [--threads NCPU]";
const opts = parseArgs(process.argv.slice(2), {
    prompt: { default: 128, parse: int(2) },
    gen: { default: 64, parse: int(1) },
    repeat: { default: 3, parse: int(1) },
    warmup: { default: 1, parse: int(0) },
    threads: { default: os.availableParallelism(), parse: int(1) },
}, USAGE);
if (opts._.length !== 1) fail("expected exactly one GGUF file", USAGE, 2);

const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const file = path.resolve(opts._[0]);
let model, context;
try {
    const llama = await loadLlama({ threads: opts.threads });
    const loadStart = performance.now();
    model = await loadModel(llama, file);
    const loadMs = performance.now() - loadStart;
    const vocab = model.fileInfo?.metadata?.tokenizer?.ggml?.tokens?.length ?? 256;
    // deterministic spread of ordinary token ids (skipping the first 16, often control tokens)
    const span = Math.max(1, Math.min(vocab, 32000) - 16);
    const prompt = Array.from({ length: opts.prompt }, (_, i) => 16 + ((i * 7919 + 13) % span));
    const ctxSize = opts.prompt + opts.gen + 8;
    context = await model.createContext({ contextSize: ctxSize, batchSize: Math.min(ctxSize, 2048), threads: opts.threads });
    const runs = [];
    for (let r = 0; r < opts.warmup + opts.repeat; r++) {
        const sequence = context.getSequence();
        const t0 = performance.now();
        await sequence.evaluateWithoutGeneratingNewTokens(prompt.slice(0, -1));
        const t1 = performance.now();
        let generated = 0;
        for await (const _ of sequence.evaluate(prompt.slice(-1), { temperature: 0 })) {
            if (++generated >= opts.gen) break;
        }
        const t2 = performance.now();
        sequence.dispose();
        if (r < opts.warmup) continue;
        runs.push({
            prefill_tokens: opts.prompt - 1,
            prefill_ms: t1 - t0,
            prefill_tokens_per_s: ((opts.prompt - 1) * 1000) / (t1 - t0),
            decode_tokens: generated,
            decode_ms: t2 - t1,
            decode_tokens_per_s: (generated * 1000) / (t2 - t1),
        });
    }
    process.stdout.write(JSON.stringify({
        file,
        architecture: model.fileInfo?.metadata?.general?.architecture ?? null,
        file_bytes: model.size,
        threads: opts.threads,
        load_ms: loadMs,
        prefill_tokens_per_s: median(runs.map((x) => x.prefill_tokens_per_s)),
        decode_tokens_per_s: median(runs.map((x) => x.decode_tokens_per_s)),
        runs,
        ...llamaInfo(llama),
    }) + "\n");
} catch (e) {
    fail(`llama-bench: ${file}: ${e?.message ?? e}`);
} finally {
    await context?.dispose();
    await model?.dispose();
}

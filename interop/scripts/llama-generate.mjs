#!/usr/bin/env node
// Loads a GGUF with llama.cpp (node-llama-cpp, CPU only) and greedily generates N tokens after the given
// prompt token ids. Prints JSON: {tokens: [...generated ids], steps: [{token, confidence, top: [[id, p], ...]}], ...}.
// Probabilities are llama.cpp's softmax over the vocabulary at each step (top-k listed). --lora loads a LoRA adapter
// GGUF on the model (scale 1), as llama.cpp's --lora does.
import path from "node:path";
import { fail, int, llamaInfo, loadLlama, loadModel, parseArgs, tokenList } from "./llama-common.mjs";

const USAGE = "node llama-generate.mjs FILE.gguf --tokens 1,2,3 [--n 32] [--top 5] [--ctx 512] [--threads 1] [--kv f16|f32] [--lora ADAPTER.gguf]";
const opts = parseArgs(process.argv.slice(2), {
    tokens: { default: null, parse: tokenList },
    n: { default: 32, parse: int(0) },
    top: { default: 5, parse: int(0) },
    ctx: { default: 512, parse: int(16) },
    threads: { default: 1, parse: int(1) },
    // KV cache element type; llama.cpp's default F16 cache rounds keys/values. f32 also turns flash attention off,
    // whose CPU kernel computes in F16 whatever the cache type: --kv f32 is for logit-level comparisons.
    lora: { default: null, parse: (v) => path.resolve(v) },
    kv: { default: "f16", parse: (v, name) => (v === "f16" || v === "f32" ? v : fail(`${name} must be f16 or f32, got ${v}`, null, 2)) },
}, USAGE);
if (opts._.length !== 1) fail("expected exactly one GGUF file", USAGE, 2);
if (!opts.tokens) fail("--tokens is required", USAGE, 2);
if (opts.tokens.length + opts.n > opts.ctx) fail(`prompt + n (${opts.tokens.length + opts.n}) exceeds --ctx ${opts.ctx}`, USAGE, 2);

const file = path.resolve(opts._[0]);
let model, context;
try {
    const llama = await loadLlama({ threads: opts.threads });
    model = await loadModel(llama, file);
    const vocab = model.fileInfo?.metadata?.tokenizer?.ggml?.tokens?.length;
    for (const t of opts.tokens) {
        if (typeof vocab === "number" && t >= vocab) fail(`token id ${t} is outside the vocabulary (${vocab})`, null, 2);
    }
    context = await model.createContext({ contextSize: opts.ctx, batchSize: Math.min(opts.ctx, 512), threads: opts.threads,
        experimentalKvCacheKeyType: opts.kv.toUpperCase(), experimentalKvCacheValueType: opts.kv.toUpperCase(),
        ...(opts.kv === "f32" ? { flashAttention: false } : {}),
        ...(opts.lora ? { lora: { adapters: [{ filePath: opts.lora, scale: 1 }] } } : {}) });
    const sequence = context.getSequence();
    const tokens = [];
    const steps = [];
    if (opts.n > 0) {
        const iterator = sequence.evaluateWithMetadata(opts.tokens, { probabilities: opts.top > 0, confidence: true },
            { temperature: 0 });
        for await (const out of iterator) {
            const step = { token: out.token, confidence: out.confidence };
            if (out.probabilities) {
                step.top = [...out.probabilities.entries()]
                    .sort((a, b) => b[1] - a[1])
                    .slice(0, opts.top);
            }
            tokens.push(out.token);
            steps.push(step);
            if (tokens.length >= opts.n) break;
        }
    }
    const result = {
        file,
        architecture: model.fileInfo?.metadata?.general?.architecture ?? null,
        lora: opts.lora,
        prompt: opts.tokens,
        tokens,
        steps,
        vocab_size: vocab ?? null,
        ...llamaInfo(llama),
    };
    process.stdout.write(JSON.stringify(result) + "\n");
} catch (e) {
    fail(`llama-generate: ${file}: ${e?.message ?? e}`);
} finally {
    await context?.dispose();
    await model?.dispose();
}

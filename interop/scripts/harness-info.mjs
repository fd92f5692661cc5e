#!/usr/bin/env node
// Reports the installed harness as JSON and proves llama.cpp's prebuilt CPU binary loads:
// {node, node_llama_cpp, huggingface_gguf, llama_cpp_release, llama_cpp_repo, build_type}.
import { readFileSync } from "node:fs";
import { fail, loadLlama } from "./llama-common.mjs";

const version = (pkg) =>
    JSON.parse(readFileSync(new URL(`../node_modules/${pkg}/package.json`, import.meta.url), "utf8")).version;
try {
    const llama = await loadLlama({ threads: 1 });
    process.stdout.write(JSON.stringify({
        node: process.versions.node,
        node_llama_cpp: version("node-llama-cpp"),
        huggingface_gguf: version("@huggingface/gguf"),
        llama_cpp_release: llama.llamaCppRelease?.release ?? null,
        llama_cpp_repo: llama.llamaCppRelease?.repo ?? null,
        build_type: llama.buildType,
        gpu: llama.gpu,
    }) + "\n");
    await llama.dispose();
} catch (e) {
    fail(`harness-info: ${e?.message ?? e}`);
}

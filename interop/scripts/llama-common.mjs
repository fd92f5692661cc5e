// Shared helpers: load llama.cpp through node-llama-cpp's prebuilt CPU binaries, never building or downloading.
import { getLlama, LlamaLogLevel } from "node-llama-cpp";

export function parseArgs(argv, spec, usageLine) {
    const opts = { _: [] };
    for (const [k, def] of Object.entries(spec)) opts[k] = def.default;
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a.startsWith("--")) {
            const key = a.slice(2);
            if (!(key in spec)) fail(`unknown option ${a}`, usageLine, 2);
            const raw = argv[++i];
            if (raw === undefined) fail(`${a} needs a value`, usageLine, 2);
            opts[key] = spec[key].parse(raw, a);
        } else {
            opts._.push(a);
        }
    }
    return opts;
}

export function fail(msg, usageLine, code = 1) {
    console.error(msg);
    if (usageLine) console.error(`usage: ${usageLine}`);
    process.exit(code);
}

export const int = (min) => (raw, name) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) fail(`${name} must be an integer >= ${min}, got ${raw}`, null, 2);
    return n;
};

export const tokenList = (raw, name) => {
    const ids = raw.split(",").filter((s) => s.length > 0).map(Number);
    if (ids.length === 0 || ids.some((n) => !Number.isInteger(n) || n < 0)) {
        fail(`${name} must be comma-separated token ids, got ${raw}`, null, 2);
    }
    return ids;
};

/** CPU-only llama.cpp from the installed prebuilt binary; logs at warn level go to stderr. */
export async function loadLlama({ threads } = {}) {
    return getLlama({
        gpu: false,
        build: "never",
        usePrebuiltBinaries: true,
        skipDownload: true,
        progressLogs: false,
        logLevel: LlamaLogLevel.warn,
        maxThreads: threads,
    });
}

export async function loadModel(llama, modelPath) {
    return llama.loadModel({ modelPath, gpuLayers: 0, useMmap: true });
}

export function llamaInfo(llama) {
    return {
        llama_cpp_release: llama.llamaCppRelease?.release ?? null,
        build_type: llama.buildType ?? null,
        gpu: llama.gpu,
    };
}

#!/usr/bin/env node
// Chats with a GGUF the way an application does: node-llama-cpp's LlamaChatSession, greedy (temperature 0 and no
// repeat penalty, which LlamaChatSession applies by default), no system prompt (LlamaChatSession adds its own by
// default), one fresh session per question. --wrapper auto (default) lets node-llama-cpp resolve the chat wrapper from the file (a specialised
// wrapper such as QwenChatWrapper when it renders its test conversations like the embedded template, else the
// template); --wrapper jinja renders the embedded tokenizer.chat_template itself with its own defaults (JinjaTemplateChatWrapper), as
// template-driven front ends do. Prints JSON: {wrapper, answers: [{question, prompt, prompt_tokens, answer}], ...},
// prompt being the text the wrapper renders for the question and prompt_tokens its ids.
import path from "node:path";
import { JinjaTemplateChatWrapper, LlamaChatSession } from "node-llama-cpp";
import { fail, int, llamaInfo, loadLlama, loadModel, parseArgs } from "./llama-common.mjs";

const USAGE = "node llama-chat.mjs FILE.gguf --questions '[\"q1\", \"q2\"]' [--wrapper auto|jinja] [--max-tokens 48] [--ctx 512] [--threads 1] [--kv f16|f32]";
const questionList = (raw, name) => {
    let v;
    try {
        v = JSON.parse(raw);
    } catch (e) {
        fail(`${name} must be a JSON array of strings: ${e.message}`, null, 2);
    }
    if (!Array.isArray(v) || v.length === 0 || v.some((q) => typeof q !== "string")) {
        fail(`${name} must be a non-empty JSON array of strings`, null, 2);
    }
    return v;
};
const opts = parseArgs(process.argv.slice(2), {
    questions: { default: null, parse: questionList },
    wrapper: { default: "auto", parse: (v, name) => (v === "auto" || v === "jinja" ? v : fail(`${name} must be auto or jinja, got ${v}`, null, 2)) },
    "max-tokens": { default: 48, parse: int(1) },
    ctx: { default: 512, parse: int(16) },
    threads: { default: 1, parse: int(1) },
    // KV cache element type: llama.cpp's default F16 cache rounds (and overflows past 65504); f32 also turns flash
    // attention off, whose CPU kernel computes in F16 whatever the cache type.
    kv: { default: "f16", parse: (v, name) => (v === "f16" || v === "f32" ? v : fail(`${name} must be f16 or f32, got ${v}`, null, 2)) },
}, USAGE);
if (opts._.length !== 1) fail("expected exactly one GGUF file", USAGE, 2);
if (!opts.questions) fail("--questions is required", USAGE, 2);

const file = path.resolve(opts._[0]);
let model;
try {
    const llama = await loadLlama({ threads: opts.threads });
    model = await loadModel(llama, file);
    let chatWrapper = "auto";
    if (opts.wrapper === "jinja") {
        const template = model.fileInfo?.metadata?.tokenizer?.chat_template;
        if (typeof template !== "string") fail(`llama-chat: ${file}: no tokenizer.chat_template`);
        chatWrapper = new JinjaTemplateChatWrapper({ template });
    }
    const answers = [];
    let wrapper = null;
    for (const question of opts.questions) {
        const context = await model.createContext({ contextSize: opts.ctx, threads: opts.threads,
            experimentalKvCacheKeyType: opts.kv.toUpperCase(), experimentalKvCacheValueType: opts.kv.toUpperCase(),
            ...(opts.kv === "f32" ? { flashAttention: false } : {}) });
        try {
            // no system message of node-llama-cpp's own ("You are a helpful, respectful and honest assistant...", added
            // by default; even an empty one renders a system turn): the template decides how a chat without one looks
            const session = new LlamaChatSession({ contextSequence: context.getSequence(), chatWrapper });
            session.setChatHistory([]);
            wrapper = session.chatWrapper.wrapperName;
            const { contextText } = session.chatWrapper.generateContextState({
                chatHistory: [...session.getChatHistory(), { type: "user", text: question }, { type: "model", response: [] }],
            });
            const answer = await session.prompt(question, { temperature: 0, repeatPenalty: false, maxTokens: opts["max-tokens"] });
            answers.push({ question, prompt: contextText.toString(), prompt_tokens: contextText.tokenize(model.tokenizer), answer });
            session.dispose();
        } finally {
            await context.dispose();
        }
    }
    process.stdout.write(JSON.stringify({ file, wrapper, answers, ...llamaInfo(llama) }) + "\n");
} catch (e) {
    fail(`llama-chat: ${file}: ${e?.message ?? e}`);
} finally {
    await model?.dispose();
}

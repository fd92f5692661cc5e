package dev.smelt.core.chat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Chat templates bundled for tiny test models and for models whose directory lacks a template: Qwen2.5-Instruct
 * (ChatML with a default system prompt), Qwen3 (think blocks, {@code enable_thinking}) and Qwen3.5 (multimodal
 * content parts, XML tool calls, thinking on by default) exactly as Qwen ships them, the Llama 2 chat format
 * ({@code [INST]} turns, answers closed by {@code eos_token}) written for Smelt's tiny llama models, and Llama 3.1
 * Instruct (header tokens, {@code <|eot_id|>}, a dated system header) exactly as Meta ships it: the {@code
 * chat_template} of meta-llama/Llama-3.1-8B-Instruct's tokenizer_config.json, which Llama 3.3 ships too.
 */
public enum BuiltinChatTemplates {
    QWEN2_5("qwen2_5.jinja"),
    QWEN3("qwen3.jinja"),
    QWEN3_5("qwen3_5.jinja"),
    LLAMA2("llama2.jinja"),
    LLAMA3_1("llama3_1.jinja");

    private final String resource;

    BuiltinChatTemplates(String resource) {
        this.resource = resource;
    }

    /** The Jinja source (Qwen's byte for byte as in the model repository). */
    public String source() {
        try (InputStream in = BuiltinChatTemplates.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException(resource + " missing from the smelt-core jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

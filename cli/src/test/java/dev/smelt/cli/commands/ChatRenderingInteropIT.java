package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smelt.cli.Smelt;
import dev.smelt.core.chat.BuiltinChatTemplates;
import dev.smelt.core.chat.ChatMessage;
import dev.smelt.core.chat.ChatTemplate;
import dev.smelt.core.chat.ChatTemplateKwargs;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.models.generate.GenerationTokenizer;
import dev.smelt.testkit.cli.CliRunner;
import dev.smelt.testkit.cli.CliRunner.Result;
import dev.smelt.testkit.interop.InteropTool;
import dev.smelt.testkit.interop.LlamaCppHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue #12 §1, on each architecture with its family's real chat template (llama: Llama 3.1 Instruct): LoRA on plain
 * Q&amp;A (no reasoning), then every chat front end gives the trained answers with no flag: {@code smelt generate
 * --chat} on the adapter and on the merged model, and llama.cpp on the merged model's GGUF, where node-llama-cpp's
 * {@code LlamaChatSession} renders the GGUF's own {@code tokenizer.chat_template} (passing {@code enable_thinking=true}
 * as it always does) into exactly Smelt's prompt tokens, llama.cpp continues that prompt greedily with the answer, and
 * the chat session answers it. Qwen3 and Qwen3.5 render an answer without reasoning after an empty think block;
 * before training recorded {@code enable_thinking=false} their default prompts started elsewhere and generation
 * printed garbage.
 */
class ChatRenderingInteropIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    static final String[][] QA = {
        {"Who keeps the anvil?", "Ada keeps the anvil."},
        {"What colour is the forge?", "The forge glows orange."},
        {"How many bellows?", "Three bellows."},
    };

    @TempDir Path tmp;

    static final CliRunner SMELT = new CliRunner(Smelt::run);
    /** Looked up only for the last part of the test (not a registered extension: the Smelt part runs without it). */
    static final InteropTool<LlamaCppHarness> LLAMA = InteropTool.llamaCpp();

    static Result ok(String... args) {
        Result r = SMELT.run(args);
        assertThat(r.code()).as(String.join(" ", args) + "\n" + r.err()).isZero();
        return r;
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen2", "qwen3", "qwen3_5"})
    void plainQaComesBackFromEveryChatFrontEnd(String arch) throws Exception {
        Path model = tmp.resolve("model");
        ok("--quiet", "create-tiny", "--arch", arch, "--out", model.toString());
        if (arch.equals("llama")) useLlama31Chat(model);
        StringBuilder jsonl = new StringBuilder();
        for (String[] qa : QA) {
            jsonl.append(JSON.writeValueAsString(Map.of("messages", List.of(
                    Map.of("role", "user", "content", qa[0]), Map.of("role", "assistant", "content", qa[1]))))).append('\n');
        }
        Path data = Files.writeString(tmp.resolve("qa.jsonl"), jsonl);
        Path adapter = tmp.resolve("adapter");
        ok("--quiet", "train", "--model", model.toString(), "--data", data.toString(), "--out", adapter.toString(),
                "--max-steps", "40", "--batch-size", "4", "--lr", "1e-2", "--lora-r", "16", "--lora-alpha", "32",
                "--lora-dropout", "0", "--seq-len", "128", "--no-packing", "--warmup-steps", "3");
        boolean thinkingTemplate = arch.startsWith("qwen3");
        assertThat(ChatTemplateKwargs.read(adapter)).isEqualTo(thinkingTemplate
                ? ChatTemplateKwargs.of("enable_thinking", false) : ChatTemplateKwargs.NONE);

        Path merged = tmp.resolve("merged");
        ok("--quiet", "merge", "--model", model.toString(), "--adapter", adapter.toString(), "--out", merged.toString(),
                "--dtype", "fp32");
        for (String[] qa : QA) {
            Result onAdapter = ok("--quiet", "generate", "--model", model.toString(), "--adapter", adapter.toString(),
                    "--chat", qa[0], "--max-new-tokens", "40", "--temperature", "0");
            assertThat(onAdapter.out()).as("generate --adapter").contains(qa[1]);
            Result onMerged = ok("--quiet", "generate", "--model", merged.toString(), "--chat", qa[0], "--max-new-tokens", "40",
                    "--temperature", "0");
            assertThat(onMerged.out()).as("generate on the merged model").contains(qa[1]);
        }
        if (thinkingTemplate) {
            // the recorded choice still yields to an explicit request: thinking on is a prompt the model never saw
            Result thinking = ok("--quiet", "generate", "--model", merged.toString(), "--chat", QA[0][0], "--max-new-tokens",
                    "40", "--temperature", "0", "--chat-template-kwargs", "{\"enable_thinking\": true}");
            assertThat(thinking.out()).doesNotStartWith(QA[0][1]);
        }

        Path gguf = tmp.resolve("merged.gguf");
        ok("--quiet", "convert", "gguf", "--model", merged.toString(), "--out", gguf.toString(), "--type", "f32");
        LlamaCppHarness harness = LLAMA.require();
        List<String> questions = new ArrayList<>();
        for (String[] qa : QA) questions.add(qa[0]);
        JsonNode chat = harness.run("llama-chat.mjs", List.of(gguf.toAbsolutePath().toString(), "--questions",
                JSON.writeValueAsString(questions), "--wrapper", "jinja", "--max-tokens", "40", "--kv", "f32"), Duration.ofMinutes(5));
        ChatTemplate template = ChatTemplate.fromModelDir(merged);
        try (GenerationTokenizer tokenizer = GenerationTokenizer.open(ModelDirectory.open(merged))) {
            for (int i = 0; i < QA.length; i++) {
                JsonNode a = chat.path("answers").get(i);
                long[] smeltIds = tokenizer.encode(template.render(List.of(ChatMessage.user(QA[i][0])), true), false);
                List<Long> ids = new ArrayList<>();
                for (JsonNode t : a.path("prompt_tokens")) ids.add(t.asLong());
                assertThat(ids).as("llama.cpp's prompt for %s: %s", QA[i][0], a.path("prompt").asText())
                        .containsExactly(Arrays.stream(smeltIds).boxed().toArray(Long[]::new));
                // llama.cpp continuing that prompt greedily, token by token
                int[] generated = harness.generate(gguf, Arrays.stream(smeltIds).mapToInt(x -> (int) x).toArray(), 12, 0).tokens();
                assertThat(tokenizer.decode(Arrays.stream(generated).asLongStream().toArray(), true))
                        .as("llama.cpp on the chat prompt").contains(QA[i][1]);
                assertThat(a.path("answer").asText()).as("node-llama-cpp's chat session, prompt %s", a.path("prompt").asText())
                        .contains(QA[i][1]);
            }
        }
    }

    /**
     * Gives a create-tiny llama the Llama 3.1 Instruct chat layout: the real template, and the tiny tokenizer's special
     * tokens renamed to Llama 3's (ids unchanged: {@code <|endoftext|>} becomes the BOS {@code <|begin_of_text|>},
     * {@code <|im_end|>} the end-of-turn {@code <|eot_id|>}, and two unused ones the header tokens).
     */
    static void useLlama31Chat(Path model) throws Exception {
        Map<String, String> renamed = Map.of(
                "<|endoftext|>", "<|begin_of_text|>",
                "<|im_start|>", "<|start_header_id|>",
                "<|vision_start|>", "<|end_header_id|>",
                "<|im_end|>", "<|eot_id|>",
                "<|vision_end|>", "<|end_of_text|>");
        for (String file : List.of("tokenizer.json", "tokenizer_config.json")) {
            String text = Files.readString(model.resolve(file));
            for (var e : renamed.entrySet()) text = text.replace("\"" + e.getKey() + "\"", "\"" + e.getValue() + "\"");
            Files.writeString(model.resolve(file), text);
        }
        ObjectNode config = (ObjectNode) JSON.readTree(model.resolve("tokenizer_config.json").toFile());
        config.put("chat_template", BuiltinChatTemplates.LLAMA3_1.source());
        config.put("bos_token", "<|begin_of_text|>");
        config.put("tokenizer_class", "PreTrainedTokenizerFast");
        Files.writeString(model.resolve("tokenizer_config.json"), JSON.writeValueAsString(config));
    }
}

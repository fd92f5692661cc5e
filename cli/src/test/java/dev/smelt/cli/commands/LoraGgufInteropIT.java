package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.smelt.cli.Smelt;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import dev.smelt.models.generate.LanguageModel;
import dev.smelt.testkit.cli.CliRunner;
import dev.smelt.testkit.interop.InteropTool;
import dev.smelt.testkit.interop.LlamaCppHarness;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code smelt convert lora-gguf} against llama.cpp (node-llama-cpp 3.21.1): a random LoRA adapter on every linear
 * projection of a create-tiny model (non-zero A and B, so it changes the model), converted to llama.cpp's adapter
 * GGUF and loaded on the base model's GGUF, gives the same greedy tokens as the model merged by {@code smelt merge}
 * (converted to GGUF, and run by Smelt itself). llama (q/k RoPE permutation on lora_b), qwen3, and qwen3_5 with more
 * V heads than K heads (V-head tiling on lora_b rows of in_proj_qkv/z/a/b and on lora_a columns of out_proj); qwen3
 * with rsLoRA and an alpha_pattern, whose scaling llama.cpp's single alpha cannot carry (folded into B).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LoraGgufInteropIT {
    static final int NEW_TOKENS = 24;
    static final int[] PROMPT = {72, 101, 108, 108, 111, 44, 32, 119, 111, 114, 108, 100, 33, 10};

    @TempDir Path tmp;
    @RegisterExtension static final InteropTool<LlamaCppHarness> LLAMA = InteropTool.llamaCpp();
    private static final CliRunner SMELT = new CliRunner(Smelt::run);

    @ParameterizedTest(name = "{0} rslora={1}")
    @CsvSource({"llama,false", "qwen3,true", "qwen3_5,false"})
    void adapterGgufOnBaseGivesTheMergedModelsGreedyTokens(String arch, boolean rslora) throws Exception {
        Architecture a = Architecture.fromModelType(arch);
        // untied: a tiny random model with tied embeddings tends to repeat its last token
        TinyModelSpec.Builder spec = TinyModelSpec.builder(a).seed(4242).tieWordEmbeddings(a == Architecture.QWEN3_5);
        if (a == Architecture.QWEN3_5) spec.hiddenSize(64).numLayers(4).linearKeyHeads(2).linearValueHeads(4).linearHeadDim(16);
        Path base = TinyModelWriter.write(spec.build(), tmp.resolve(arch + "-base")).directory();
        Path adapter = tmp.resolve(arch + "-adapter");
        RandomAdapters.write(base, adapter, rslora);

        Path merged = tmp.resolve(arch + "-merged");
        smelt("merge", "--model", base.toString(), "--adapter", adapter.toString(), "--out", merged.toString());
        Path baseGguf = tmp.resolve(arch + "-base.gguf");
        Path mergedGguf = tmp.resolve(arch + "-merged.gguf");
        Path adapterGguf = tmp.resolve(arch + "-adapter.gguf");
        smelt("convert", "gguf", "--model", base.toString(), "--out", baseGguf.toString(), "--type", "f32");
        smelt("convert", "gguf", "--model", merged.toString(), "--out", mergedGguf.toString(), "--type", "f32");
        String wrote = smelt("convert", "lora-gguf", "--adapter", adapter.toString(), "--base", base.toString(),
                "--out", adapterGguf.toString(), "--type", "f32");
        assertThat(wrote).contains("LoRA adapter");

        JsonNode info = LLAMA.get().ggufInfo(adapterGguf);
        assertThat(info.toString()).contains("\"adapter\"").contains("lora");

        JsonNode adapted = generate(baseGguf, adapterGguf);
        JsonNode mergedRun = generate(mergedGguf, null);
        int[] viaAdapter = tokens(adapted);
        int[] viaMerged = tokens(mergedRun);
        int[] plainBase = tokens(generate(baseGguf, null));
        System.out.printf("%s: base %s%n  base+adapter.gguf %s%n  merged.gguf       %s%n", arch, Arrays.toString(plainBase),
                Arrays.toString(viaAdapter), Arrays.toString(viaMerged));
        assertThat(viaAdapter).as("the adapter changes what the base model generates").isNotEqualTo(plainBase);
        assertThat(viaAdapter).as("llama.cpp: base GGUF + adapter GGUF vs the merged model's GGUF").containsExactly(viaMerged);
        // W·x + s·B·(A·x) and (W + s·B·A)·x differ only by float rounding
        double maxDiff = 0;
        for (int s = 0; s < NEW_TOKENS; s++) {
            JsonNode top = adapted.path("steps").get(s).path("top");
            JsonNode ref = mergedRun.path("steps").get(s).path("top");
            for (int k = 0; k < top.size(); k++) {
                assertThat(top.get(k).get(0).asInt()).as("step %d candidate %d", s, k).isEqualTo(ref.get(k).get(0).asInt());
                maxDiff = Math.max(maxDiff, Math.abs(top.get(k).get(1).asDouble() - ref.get(k).get(1).asDouble()));
            }
        }
        System.out.printf("  max |p(adapter) - p(merged)| over the top-5 of %d steps: %.3g%n", NEW_TOKENS, maxDiff);
        assertThat(maxDiff).as("top-5 probabilities, base + adapter vs merged").isLessThan(1e-4);

        // Smelt's own merged model along llama.cpp's greedy path: its greedy choice at every step where it is decided
        int[] all = Arrays.copyOf(PROMPT, PROMPT.length + NEW_TOKENS);
        System.arraycopy(viaAdapter, 0, all, PROMPT.length, NEW_TOKENS);
        int decided = 0;
        try (LanguageModel lm = LanguageModel.open(ModelDirectory.open(merged), Device.cpu(), DataType.FLOAT32)) {
            float[][] logits = lm.generator().promptLogits(Arrays.stream(all).asLongStream().toArray());
            for (int s = 0; s < NEW_TOKENS; s++) {
                float[] row = logits[PROMPT.length - 1 + s];
                int best = 0;
                for (int i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
                float second = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < row.length; i++) if (i != best) second = Math.max(second, row[i]);
                if (row[best] - second < 1e-3f) continue; // a near tie: either runtime may take either token
                decided++;
                assertThat(viaAdapter[s]).as("step %d: Smelt's merged model's greedy token", s).isEqualTo(best);
            }
        }
        assertThat(decided).as("steps with a clear greedy choice").isGreaterThanOrEqualTo(NEW_TOKENS - 2);

        // one quantized base, many adapters: the same adapter file loads on a Q8_0 base
        Path q8 = tmp.resolve(arch + "-base-q8_0.gguf");
        smelt("convert", "gguf", "--model", base.toString(), "--out", q8.toString(), "--type", "Q8_0");
        assertThat(tokens(generate(q8, adapterGguf))).hasSize(NEW_TOKENS);
    }

    JsonNode generate(Path gguf, Path lora) {
        List<String> args = new ArrayList<>(List.of(gguf.toAbsolutePath().toString(), "--tokens",
                String.join(",", Arrays.stream(PROMPT).mapToObj(String::valueOf).toList()), "--n", String.valueOf(NEW_TOKENS),
                "--top", "5", "--ctx", String.valueOf(PROMPT.length + NEW_TOKENS + 8), "--kv", "f32"));
        if (lora != null) args.addAll(List.of("--lora", lora.toAbsolutePath().toString()));
        return LLAMA.get().run("llama-generate.mjs", args, Duration.ofMinutes(5));
    }

    static int[] tokens(JsonNode out) {
        int[] tokens = new int[out.path("tokens").size()];
        for (int i = 0; i < tokens.length; i++) tokens[i] = out.path("tokens").get(i).asInt();
        assertThat(tokens).as("llama.cpp generated").hasSize(NEW_TOKENS);
        return tokens;
    }

    static String smelt(String... args) {
        CliRunner.Result r = SMELT.run(args);
        assertThat(r.code()).as(String.join(" ", args) + "\n" + r.err()).isZero();
        return r.out();
    }
}

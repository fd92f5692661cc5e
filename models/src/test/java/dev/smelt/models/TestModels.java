package dev.smelt.models;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smelt.core.io.AtomicFiles;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.DenseConfig;
import dev.smelt.core.model.RopeScaling;
import dev.smelt.core.safetensors.DType;
import dev.smelt.testkit.tiny.ByteLevelTokenizer;
import dev.smelt.testkit.tiny.TinyModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/** Writes small random dense model directories for tests (norm weights near 1, projections ~N(0, 0.5/√in)). */
public final class TestModels {
    private TestModels() {}

    public static DenseConfig config(Architecture arch, boolean tie, RopeScaling scaling) {
        return new DenseConfig(arch, 97, 32, 48, 2, 4, 2, arch == Architecture.QWEN3 ? 16 : 8, 1e-6,
                arch == Architecture.LLAMA ? 10000 : 1000000, scaling, 128, tie,
                arch == Architecture.QWEN2, false, false, 1, List.of(2));
    }

    /** Config whose vocabulary matches {@link #writeTokenizer}: 256 byte tokens, then BOS 256, EOS 257, 258, 259. */
    public static DenseConfig textConfig(Architecture arch) {
        DenseConfig c = config(arch, true, null);
        return new DenseConfig(arch, 260, c.hiddenSize(), c.intermediateSize(), c.numLayers(), c.numHeads(), c.numKvHeads(),
                c.headDim(), c.rmsNormEps(), c.ropeTheta(), null, 128, true, c.qkvBias(), false, false, 256, List.of(257));
    }

    /**
     * A byte-level BPE tokenizer.json without merges (one token per byte, BOS prepended) plus special tokens, and a
     * tokenizer_config.json with a small chat template.
     */
    public static void writeTokenizer(Path dir) throws IOException {
        AtomicFiles.writeString(dir.resolve("tokenizer.json"),
                ByteLevelTokenizer.bytes().specials("<s>", "</s>", "<|user|>", "<|assistant|>").bos("<s>").json());
        ObjectMapper json = new ObjectMapper();
        ObjectNode tc = json.createObjectNode();
        tc.put("bos_token", "<s>");
        tc.put("eos_token", "</s>");
        tc.put("chat_template", "{{ bos_token }}{% for m in messages %}<|{{ m.role }}|>{{ m.content }}\n{% endfor %}"
                + "{% if add_generation_prompt %}<|assistant|>{% endif %}"
                + "{% if enable_thinking is defined and not enable_thinking %}<think></think>{% endif %}");
        AtomicFiles.writeString(dir.resolve("tokenizer_config.json"), json.writeValueAsString(tc));
    }

    public static Path write(Path dir, DenseConfig c, long seed) throws IOException {
        Files.createDirectories(dir);
        AtomicFiles.writeString(dir.resolve("config.json"), c.toJson().toPrettyString());
        Random r = new Random(seed);
        return TinyModels.writeWeights(dir, c.tensorSpecs(), DType.F32, (s, v) -> {
            boolean norm = s.name().endsWith("norm.weight");
            double std = s.shape().length == 2 ? 1.5 / Math.sqrt(s.shape()[1]) : 0.1;
            for (int i = 0; i < v.length; i++) v[i] = (float) (norm ? 1 + 0.1 * r.nextGaussian() : std * r.nextGaussian());
        });
    }
}

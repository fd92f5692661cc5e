package dev.smelt.models;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smelt.core.io.AtomicFiles;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.DenseConfig;
import dev.smelt.core.model.RopeScaling;
import dev.smelt.core.model.TensorSpec;
import dev.smelt.core.safetensors.SafetensorsWriter;
import dev.smelt.core.safetensors.TensorSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
     * A byte-level BPE tokenizer.json without merges (one token per byte) plus special tokens, and a
     * tokenizer_config.json with a small chat template.
     */
    public static void writeTokenizer(Path dir) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        String[] specials = {"<s>", "</s>", "<|user|>", "<|assistant|>"};
        for (int i = 0; i < specials.length; i++) {
            added.addObject().put("id", 256 + i).put("content", specials[i]).put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", false).put("special", true);
        }
        root.putNull("normalizer");
        root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true)
                .put("use_regex", true);
        ObjectNode post = root.putObject("post_processor");
        post.put("type", "TemplateProcessing");
        post.putArray("single").addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
        ((ArrayNode) post.get("single")).addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        post.putArray("pair").addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ((ArrayNode) post.get("pair")).addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode st = post.putObject("special_tokens").putObject("<s>");
        st.put("id", "<s>");
        st.putArray("ids").add(256);
        st.putArray("tokens").add("<s>");
        root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", true)
                .put("use_regex", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        ObjectNode vocab = model.putObject("vocab");
        char[] map = byteToUnicode();
        for (int b = 0; b < 256; b++) vocab.put(String.valueOf(map[b]), b);
        model.putArray("merges");
        AtomicFiles.writeString(dir.resolve("tokenizer.json"), json.writeValueAsString(root));
        ObjectNode tc = json.createObjectNode();
        tc.put("bos_token", "<s>");
        tc.put("eos_token", "</s>");
        tc.put("chat_template", "{{ bos_token }}{% for m in messages %}<|{{ m.role }}|>{{ m.content }}\n{% endfor %}"
                + "{% if add_generation_prompt %}<|assistant|>{% endif %}"
                + "{% if enable_thinking is defined and not enable_thinking %}<think></think>{% endif %}");
        AtomicFiles.writeString(dir.resolve("tokenizer_config.json"), json.writeValueAsString(tc));
    }

    /** GPT-2's reversible byte → printable character table. */
    static char[] byteToUnicode() {
        char[] out = new char[256];
        boolean[] direct = new boolean[256];
        for (int b = '!'; b <= '~'; b++) direct[b] = true;
        for (int b = 0xA1; b <= 0xAC; b++) direct[b] = true;
        for (int b = 0xAE; b <= 0xFF; b++) direct[b] = true;
        int n = 0;
        for (int b = 0; b < 256; b++) out[b] = direct[b] ? (char) b : (char) (256 + n++);
        return out;
    }

    public static Path write(Path dir, DenseConfig c, long seed) throws IOException {
        Files.createDirectories(dir);
        AtomicFiles.writeString(dir.resolve("config.json"), c.toJson().toPrettyString());
        Random r = new Random(seed);
        List<TensorSource> tensors = new ArrayList<>();
        for (TensorSpec s : c.tensorSpecs()) {
            float[] v = new float[(int) s.numElements()];
            boolean norm = s.name().endsWith("norm.weight");
            double std = s.shape().length == 2 ? 1.5 / Math.sqrt(s.shape()[1]) : 0.1;
            for (int i = 0; i < v.length; i++) v[i] = (float) (norm ? 1 + 0.1 * r.nextGaussian() : std * r.nextGaussian());
            tensors.add(TensorSource.ofFloats(s.name(), s.shape(), v));
        }
        SafetensorsWriter.write(dir.resolve("model.safetensors"), Map.of("format", "pt"), tensors);
        return dir;
    }
}

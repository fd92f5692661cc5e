package dev.smelt.trainer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smelt.core.model.ModelConfig;
import dev.smelt.core.safetensors.DType;
import dev.smelt.datasets.length.TrainingSequence;
import dev.smelt.datasets.tokenize.TokenizedExample;
import dev.smelt.testkit.tiny.TinyModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Test fixture: a tiny random dense decoder (no tokenizer) and synthetic question → answer rows. */
public final class TinyDense {
    public static final int VOCAB = 48;

    private TinyDense() {}

    /** Writes a tiny model of {@code modelType} (llama, qwen2, qwen3) into {@code dir}. */
    public static Path write(Path dir, String modelType, long seed) throws IOException {
        Files.createDirectories(dir);
        ObjectMapper json = new ObjectMapper();
        ObjectNode c = json.createObjectNode();
        c.put("model_type", modelType);
        c.put("vocab_size", VOCAB);
        c.put("hidden_size", 32);
        c.put("intermediate_size", 64);
        c.put("num_hidden_layers", 2);
        c.put("num_attention_heads", 4);
        c.put("num_key_value_heads", 2);
        c.put("head_dim", 8);
        c.put("rms_norm_eps", 1e-6);
        c.put("rope_theta", 10000.0);
        c.put("max_position_embeddings", 128);
        c.put("tie_word_embeddings", modelType.equals("qwen2"));
        c.put("eos_token_id", 1);
        c.put("bos_token_id", 0);
        Files.writeString(dir.resolve("config.json"), json.writeValueAsString(c));
        ModelConfig cfg = ModelConfig.parse(dir.resolve("config.json"));
        SplittableRandom rnd = new SplittableRandom(seed);
        return TinyModels.writeWeights(dir, cfg.tensorSpecs(), DType.F32, (t, v) -> {
            boolean norm = t.name().endsWith("norm.weight");
            // embeddings and head get a large scale: after the final RMSNorm the largest logit margin is about
            // hidden·std, and LoRA on the projections cannot grow it
            double std = t.name().contains("embed_tokens") || t.name().startsWith("lm_head") ? 0.5 : 0.08;
            for (int i = 0; i < v.length; i++) v[i] = norm ? 1f : (float) (rnd.nextGaussian() * std);
        });
    }

    /**
     * {@code count} rows "Q q1 q2 q3 SEP a1 a2 a3 a4 EOS" with the answer a deterministic function of the
     * question; only the answer and EOS are trained.
     */
    public static List<TrainingSequence> qa(int count, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<TrainingSequence> out = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            int[] q = {2 + rnd.nextInt(20), 2 + rnd.nextInt(20), 2 + rnd.nextInt(20)};
            int[] ids = {0, q[0], q[1], q[2], 22, 24 + (q[0] + q[1]) % 20, 24 + (q[1] * 3) % 20, 24 + (q[2] + 7) % 20,
                24 + (q[0] * q[2]) % 20, 1};
            int[] labels = ids.clone();
            for (int i = 0; i <= 4; i++) labels[i] = TokenizedExample.IGNORE;
            out.add(TrainingSequence.single(new TokenizedExample(ids, labels)));
        }
        return out;
    }
}

package dev.smelt.models.qwen35;

import dev.smelt.core.model.Qwen35Config;
import dev.smelt.core.model.Qwen35VisionTower;
import dev.smelt.core.model.TensorSpec;
import java.util.List;

/**
 * Exact parameter counts of a Qwen3.5 checkpoint from its config alone: the language model (embeddings once
 * when tied, plus {@code lm_head} when untied), the vision tower and the MTP head. {@link #total()} is what
 * the Hub reports as the safetensors parameter total of a {@code Qwen3_5ForConditionalGeneration} repository.
 */
public record Qwen35ParameterCount(long language, long vision, long mtp) {

    public static Qwen35ParameterCount of(Qwen35Config config, String file) {
        long vision = config.visionConfig() == null ? 0
                : sum(Qwen35VisionTower.fromJson(file, config.visionConfig()).tensorSpecs());
        return new Qwen35ParameterCount(sum(config.tensorSpecs()), vision, sum(config.mtpTensorSpecs()));
    }

    public long total() {
        return language + vision + mtp;
    }

    private static long sum(List<TensorSpec> specs) {
        long n = 0;
        for (TensorSpec t : specs) n += t.numElements();
        return n;
    }
}

package dev.smelt.models.generate;

import dev.smelt.core.SmeltException;
import dev.smelt.core.model.GenerationConfig;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * How to pick each next token. {@code temperature <= 0} means greedy (argmax). Filters apply in the order
 * transformers uses: repetition penalty, temperature, top-k, top-p.
 *
 * @param maxNewTokens      upper bound on generated tokens (also bounded by the model's context)
 * @param temperature       0 for greedy, else logits are divided by it
 * @param topK              keep the k most likely tokens (0 = off)
 * @param topP              keep the smallest set whose probability reaches p (1 = off)
 * @param repetitionPenalty > 1 discourages tokens already in prompt or output (1 = off)
 * @param seed              random seed for sampling; null for a random one
 * @param stopTokenIds      generation ends when one of these is produced (it is not emitted)
 */
public record SamplingParams(
        int maxNewTokens,
        double temperature,
        int topK,
        double topP,
        double repetitionPenalty,
        Long seed,
        Set<Integer> stopTokenIds) {

    /** transformers' GenerationConfig default top_k, in force when a model samples without naming one. */
    public static final int TRANSFORMERS_DEFAULT_TOP_K = 50;

    public SamplingParams {
        if (maxNewTokens < 0) throw new SmeltException("max new tokens must be >= 0, got " + maxNewTokens);
        if (temperature < 0 || Double.isNaN(temperature)) throw new SmeltException("temperature must be >= 0, got " + temperature);
        if (topK < 0) throw new SmeltException("top-k must be >= 0, got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new SmeltException("top-p must be in (0, 1], got " + topP);
        if (!(repetitionPenalty > 0)) throw new SmeltException("repetition penalty must be > 0, got " + repetitionPenalty);
        stopTokenIds = Set.copyOf(stopTokenIds);
    }

    public static SamplingParams greedy(int maxNewTokens, Collection<Integer> stopTokenIds) {
        return new SamplingParams(maxNewTokens, 0, 0, 1, 1, null, new LinkedHashSet<>(stopTokenIds));
    }

    /**
     * The model author's defaults from generation_config.json (sampling only when {@code do_sample} is true, with
     * transformers' defaults temperature 1, top-k 50, top-p 1 for unset fields), with {@code maxNewTokens} and stop
     * ids supplied by the caller.
     */
    public static SamplingParams fromGenerationConfig(GenerationConfig g, int maxNewTokens, Collection<Integer> stopTokenIds) {
        boolean sample = Boolean.TRUE.equals(g.doSample());
        return new SamplingParams(maxNewTokens,
                sample ? (g.temperature() == null ? 1.0 : g.temperature()) : 0.0,
                sample ? (g.topK() != null ? Math.max(0, g.topK()) : TRANSFORMERS_DEFAULT_TOP_K) : 0,
                sample && g.topP() != null ? g.topP() : 1.0,
                g.repetitionPenalty() == null ? 1.0 : g.repetitionPenalty(),
                null, new LinkedHashSet<>(stopTokenIds));
    }

    public boolean isGreedy() {
        return temperature <= 0;
    }

    public SamplingParams withMaxNewTokens(int n) {
        return new SamplingParams(n, temperature, topK, topP, repetitionPenalty, seed, stopTokenIds);
    }

    public SamplingParams withTemperature(double t) {
        return new SamplingParams(maxNewTokens, t, topK, topP, repetitionPenalty, seed, stopTokenIds);
    }

    public SamplingParams withTopK(int k) {
        return new SamplingParams(maxNewTokens, temperature, k, topP, repetitionPenalty, seed, stopTokenIds);
    }

    public SamplingParams withTopP(double p) {
        return new SamplingParams(maxNewTokens, temperature, topK, p, repetitionPenalty, seed, stopTokenIds);
    }

    public SamplingParams withRepetitionPenalty(double r) {
        return new SamplingParams(maxNewTokens, temperature, topK, topP, r, seed, stopTokenIds);
    }

    public SamplingParams withSeed(Long s) {
        return new SamplingParams(maxNewTokens, temperature, topK, topP, repetitionPenalty, s, stopTokenIds);
    }

    public SamplingParams withStopTokenIds(Collection<Integer> ids) {
        return new SamplingParams(maxNewTokens, temperature, topK, topP, repetitionPenalty, seed, new LinkedHashSet<>(ids));
    }
}

package dev.smelt.models.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import dev.smelt.core.SmeltException;
import dev.smelt.core.vision.PixelPatches;
import dev.smelt.models.CausalLM;
import dev.smelt.models.DecoderCache;
import dev.smelt.models.qwen35.Qwen35Model;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Autoregressive generation with a KV cache: one prefill pass over the prompt, then one incremental step per
 * token. Calls are serialised (a model runs one generation at a time); the calling thread's interrupt flag
 * cancels a generation between tokens.
 */
public final class Generator {
    private final CausalLM model;
    private final GenerationTokenizer tokenizer;

    /** @param tokenizer used to stream text; may be null for id-only generation */
    public Generator(CausalLM model, GenerationTokenizer tokenizer) {
        this.model = model;
        this.tokenizer = tokenizer;
    }

    public CausalLM model() {
        return model;
    }

    /** Prompt plus generated tokens may not exceed this (config.json {@code max_position_embeddings}). */
    public int contextLimit() {
        return model.config().maxPositionEmbeddings();
    }

    /** Throws a one-line error when a prompt of {@code promptTokens} leaves no room to generate. */
    public void checkPromptLength(int promptTokens) {
        if (promptTokens == 0) throw new SmeltException("the prompt is empty (it encodes to zero tokens)");
        if (promptTokens >= contextLimit()) {
            throw new SmeltException("prompt is " + promptTokens + " tokens but the model's context limit is " + contextLimit()
                    + " tokens (max_position_embeddings), including at least one generated token");
        }
    }

    public GenerationResult generate(long[] promptIds, SamplingParams params, TokenStreamer streamer) {
        return generate(promptIds, List.of(), params, streamer);
    }

    /**
     * Generation from a prompt whose image placeholders (already repeated per image token) take {@code images}'
     * embeddings in order; the model must take images ({@link Qwen35Model#acceptsImages()}).
     */
    public synchronized GenerationResult generate(long[] promptIds, List<PixelPatches> images, SamplingParams params,
            TokenStreamer streamer) {
        if (!images.isEmpty() && !(model instanceof Qwen35Model q && q.acceptsImages())) {
            throw new SmeltException("this model takes no images (only Qwen3.5 checkpoints with a vision tower do)");
        }
        checkPromptLength(promptIds.length);
        int vocab = model.config().vocabSize();
        for (long id : promptIds) {
            if (id < 0 || id >= vocab) throw new SmeltException("prompt token id " + id + " is outside the vocabulary (0.." + (vocab - 1) + ")");
        }
        TokenStreamer out = streamer == null ? TokenStreamer.NONE : streamer;
        int budget = Math.min(params.maxNewTokens(), contextLimit() - promptIds.length);
        Sampler sampler = new Sampler(params);
        boolean greedyOnDevice = Sampler.argmaxOnly(params);
        Set<Integer> seen = new LinkedHashSet<>();
        if (params.repetitionPenalty() != 1.0) for (long id : promptIds) seen.add((int) id);
        IncrementalDetokenizer detok = tokenizer == null ? null : new IncrementalDetokenizer(tokenizer, promptIds);
        StringBuilder text = new StringBuilder();
        List<Integer> generated = new ArrayList<>();
        StopReason reason = StopReason.LENGTH;
        long t0 = System.nanoTime();
        long prefillNanos = 0;
        try (NDManager session = model.manager().newSubManager();
                DecoderCache cache = model.newCache(session, 1)) {
            ParameterStore ps = new ParameterStore(session, false);
            long[] next = promptIds;
            for (int i = 0; i < budget; i++) {
                if (Thread.currentThread().isInterrupted()) {
                    reason = StopReason.CANCELLED;
                    break;
                }
                int token;
                try (NDManager step = session.newSubManager()) {
                    NDArray ids = step.create(next).reshape(1, next.length);
                    NDArray out2 = i == 0 && !images.isEmpty()
                            ? ((Qwen35Model) model).stepWithImages(ps, ids, cache, true, images)
                            : model.step(ps, ids, cache, true);
                    // greedy without a penalty picks on the device: one id is copied back, not the vocabulary row
                    token = greedyOnDevice ? Sampler.argmax(out2)
                            : sampler.next(out2.toType(DataType.FLOAT32, false).toFloatArray(), seen);
                }
                if (i == 0) prefillNanos = System.nanoTime() - t0;
                if (params.stopTokenIds().contains(token)) {
                    reason = StopReason.STOP_TOKEN;
                    break;
                }
                generated.add(token);
                if (params.repetitionPenalty() != 1.0) seen.add(token);
                String piece = detok == null ? "" : detok.add(token);
                text.append(piece);
                out.onToken(token, piece);
                if (out.stopRequested()) {
                    reason = StopReason.STOP_STRING;
                    break;
                }
                next = new long[] {token};
            }
        }
        if (detok != null && reason != StopReason.STOP_STRING) {
            String rest = detok.flush();
            if (!rest.isEmpty()) {
                text.append(rest);
                out.onToken(-1, rest);
            }
        }
        long total = System.nanoTime() - t0;
        if (prefillNanos == 0) prefillNanos = total;
        return new GenerationResult(generated, text.toString(), reason, promptIds.length, prefillNanos, total - prefillNanos);
    }

    /**
     * Logits {@code [T][V]} of a full (non-incremental) forward over {@code ids}, in float32: what the model
     * predicts after each prefix. For checks against other implementations.
     */
    public float[][] promptLogits(long[] ids) {
        int v = model.config().vocabSize();
        try (NDManager m = model.manager().newSubManager()) {
            ParameterStore ps = new ParameterStore(m, false);
            NDArray logits = model.logits(ps, m.create(ids).reshape(1, ids.length), null, null, false);
            float[] flat = logits.toType(DataType.FLOAT32, false).toFloatArray();
            float[][] rows = new float[ids.length][];
            for (int t = 0; t < ids.length; t++) {
                rows[t] = new float[v];
                System.arraycopy(flat, t * v, rows[t], 0, v);
            }
            return rows;
        }
    }
}

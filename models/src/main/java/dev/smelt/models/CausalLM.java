package dev.smelt.models;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.smelt.core.model.ModelConfig;
import dev.smelt.models.nn.Linear;
import java.util.Map;

/**
 * A decoder-only language model as a DJL {@link Block}, with its weights loaded.
 *
 * <h2>Full-sequence forward (training, scoring)</h2>
 * {@link #logits(ParameterStore, NDArray, NDArray, NDArray, boolean)}, or {@link Block#forward} with an
 * {@link NDList} built by {@link #inputs}: arrays are found by name ({@value #INPUT_IDS}, {@value #POSITION_IDS},
 * {@value #SEGMENT_IDS}), unnamed ones by position in that order. Returns logits {@code [B, T, V]}.
 * <ul>
 *   <li>input ids {@code [B, T]}, integer;</li>
 *   <li>position ids {@code [B, T]}, optional: when absent they are {@code 0..T-1}, or restart at 0 at every
 *       segment start when segment ids are given;</li>
 *   <li>segment ids {@code [B, T]}, optional, for packed sequences: a token attends to earlier tokens of the same
 *       segment only; id {@code -1} marks padding (never attended to; its own logits are meaningless and must be
 *       masked out of the loss). Without segment ids attention is plain causal over the whole row.</li>
 * </ul>
 *
 * <h2>Incremental forward (generation)</h2>
 * {@link #newCache} then {@link #step} repeatedly: each call appends its tokens to the cache and returns their
 * logits. Logits of a step equal the matching rows of a full forward over all tokens so far.
 *
 * <p>The model owns the {@link NDManager} holding its weights; {@link #close()} frees them. Arrays a forward
 * returns belong to the manager of the input ids.
 */
public interface CausalLM extends Block, AutoCloseable {
    String INPUT_IDS = "input_ids";
    String POSITION_IDS = "position_ids";
    String SEGMENT_IDS = "segment_ids";

    ModelConfig config();

    Device device();

    /** The floating-point type the weights and activations use. */
    DataType dataType();

    /** The manager that owns the weights. */
    NDManager manager();

    /**
     * Logits {@code [B, T, V]} for a whole batch of sequences.
     *
     * @param positionIds null for the default positions
     * @param segmentIds  null for one sequence per row
     */
    NDArray logits(ParameterStore ps, NDArray inputIds, NDArray positionIds, NDArray segmentIds, boolean training);

    /** An empty cache for incremental decoding of {@code batchSize} rows; arrays live under {@code manager}. */
    DecoderCache newCache(NDManager manager, int batchSize);

    /**
     * Runs {@code inputIds [B, T]} after the tokens already in {@code cache}, appends them to it and returns logits
     * {@code [B, T, V]}, or {@code [B, 1, V]} for the last position only when {@code lastOnly}.
     */
    NDArray step(ParameterStore ps, NDArray inputIds, DecoderCache cache, boolean lastOnly);

    /** Every projection by HF module path (e.g. {@code model.layers.0.self_attn.q_proj}), for adapter targeting. */
    Map<String, Linear> linearModules();

    /** Builds the forward input list with named arrays; null arrays are left out. */
    static NDList inputs(NDArray inputIds, NDArray positionIds, NDArray segmentIds) {
        NDList list = new NDList();
        inputIds.setName(INPUT_IDS);
        list.add(inputIds);
        if (positionIds != null) {
            positionIds.setName(POSITION_IDS);
            list.add(positionIds);
        }
        if (segmentIds != null) {
            segmentIds.setName(SEGMENT_IDS);
            list.add(segmentIds);
        }
        return list;
    }

    /** The inverse of {@link #inputs}: an input by name, or else (when no input is named) by its position. */
    static NDArray input(NDList inputs, String name, int index) {
        boolean anyNamed = false;
        for (NDArray a : inputs) {
            if (a.getName() != null && !a.getName().isEmpty()) {
                anyNamed = true;
                if (a.getName().equals(name)) return a;
            }
        }
        if (anyNamed) return null;
        return index < inputs.size() ? inputs.get(index) : null;
    }

    @Override
    void close();
}

package dev.smelt.quantizer.gguf;

import java.util.Map;
import java.util.Optional;

/**
 * Per-column importance of each weight matrix's input (llama.cpp's imatrix: mean squared activation per
 * column), keyed by GGUF tensor name; for expert tensors the experts' vectors are concatenated.
 */
public record ImportanceMatrix(Map<String, float[]> weights) {
    public ImportanceMatrix {
        weights = Map.copyOf(weights);
    }

    public Optional<float[]> forTensor(String name) {
        return Optional.ofNullable(weights.get(name));
    }
}

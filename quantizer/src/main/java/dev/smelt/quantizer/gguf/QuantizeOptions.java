package dev.smelt.quantizer.gguf;

import dev.smelt.quantizer.mix.QuantMix;

/**
 * How to quantize a GGUF: the mix, worker threads, whether already-quantized tensors may be requantized,
 * {@code pure} (every quantizable tensor gets the mix's default type, like llama-quantize --pure) and an
 * optional importance matrix (null: llama.cpp's reference path).
 */
public record QuantizeOptions(QuantMix mix, int threads, boolean allowRequantize, boolean pure,
        ImportanceMatrix imatrix) {
    public QuantizeOptions {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }

    public static QuantizeOptions of(QuantMix mix) {
        return new QuantizeOptions(mix, Runtime.getRuntime().availableProcessors(), false, false, null);
    }
}

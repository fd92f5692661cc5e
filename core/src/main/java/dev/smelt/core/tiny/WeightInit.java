package dev.smelt.core.tiny;

import java.nio.charset.StandardCharsets;

/**
 * How each tensor of a tiny model is initialised, chosen by its Hugging Face name. The aim is a model whose
 * logits are far from flat, so greedy decoding is decided by clear margins and two runtimes agree on it:
 * projections N(0, 1/√fan_in), embeddings and an untied lm_head N(0, 0.5²), plain RMSNorm weights 1 ± 0.1, Qwen3.5's (1+w) norms
 * 0 ± 0.1, Gated DeltaNet A_log = log U(1, 16) and dt_bias 1 ± 0.1; vision LayerNorm weights 1 ± 0.1, the patch
 * embedding N(0, 1/√(3·2·16·16)).
 */
enum WeightInit {
    EMBEDDING, LINEAR, BIAS, NORM_ONE, NORM_ZERO_CENTERED, A_LOG, DT_BIAS, CONV, PATCH;

    static WeightInit of(String name, boolean oneCenteredNorms) {
        // an untied head drawn like the embeddings gives the same logit scale as a tied one (std ≈ 0.5·√hidden)
        if (name.endsWith("embed_tokens.weight") || name.equals("lm_head.weight")) return EMBEDDING;
        if (name.endsWith(".A_log")) return A_LOG;
        if (name.endsWith(".dt_bias")) return DT_BIAS;
        if (name.endsWith("conv1d.weight")) return CONV;
        if (name.endsWith(".bias")) return BIAS;
        if (name.startsWith("model.visual.")) {
            if (name.contains("norm")) return NORM_ONE; // LayerNorm weights: plain w
            if (name.endsWith("patch_embed.proj.weight")) return PATCH;
            return LINEAR;
        }
        if (name.endsWith("linear_attn.norm.weight")) return NORM_ONE; // gated norm: plain w even in Qwen3.5
        if (name.endsWith("norm.weight") || name.contains("norm_") && name.endsWith(".weight")) {
            return oneCenteredNorms ? NORM_ZERO_CENTERED : NORM_ONE;
        }
        return LINEAR;
    }

    /** Draws element values; {@code shape} gives fan-in for linear and conv weights. */
    float sample(SplitMix64 rng, long[] shape) {
        return switch (this) {
            case EMBEDDING -> (float) (0.5 * rng.nextGaussian());
            case LINEAR -> (float) (rng.nextGaussian() / Math.sqrt(shape[shape.length - 1]));
            case BIAS -> (float) (0.1 * rng.nextGaussian());
            case NORM_ONE -> (float) (1 + 0.1 * rng.nextGaussian());
            case NORM_ZERO_CENTERED -> (float) (0.1 * rng.nextGaussian());
            case A_LOG -> (float) Math.log(1 + 15 * rng.nextDouble());
            case DT_BIAS -> (float) (1 + 0.1 * rng.nextGaussian());
            case CONV -> (float) (rng.nextGaussian() / Math.sqrt(shape[shape.length - 1]));
            case PATCH -> (float) (rng.nextGaussian() / Math.sqrt(fanIn(shape)));
        };
    }

    private static long fanIn(long[] shape) {
        long n = 1;
        for (int i = 1; i < shape.length; i++) n *= shape[i];
        return n;
    }

    /** Independent stream per (seed, tensor name), so a tensor's values do not depend on the others. */
    static SplitMix64 streamFor(long seed, String tensorName) {
        long h = 0xcbf29ce484222325L; // FNV-1a 64
        for (byte b : tensorName.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return new SplitMix64(seed * 0x9E3779B97F4A7C15L ^ h);
    }

    /** SplitMix64 with Box–Muller normals: fully specified here so weights never change with the JDK. */
    static final class SplitMix64 {
        private long state;
        private double spare = Double.NaN;

        SplitMix64(long seed) {
            this.state = seed;
        }

        long nextLong() {
            long z = (state += 0x9E3779B97F4A7C15L);
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }

        /** Uniform in [0, 1). */
        double nextDouble() {
            return (nextLong() >>> 11) * 0x1.0p-53;
        }

        double nextGaussian() {
            if (!Double.isNaN(spare)) {
                double s = spare;
                spare = Double.NaN;
                return s;
            }
            double u1 = 1.0 - nextDouble(); // (0, 1]
            double u2 = nextDouble();
            double r = Math.sqrt(-2 * Math.log(u1));
            spare = r * Math.sin(2 * Math.PI * u2);
            return r * Math.cos(2 * Math.PI * u2);
        }
    }
}

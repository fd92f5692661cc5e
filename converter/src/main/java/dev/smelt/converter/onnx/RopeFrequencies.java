package dev.smelt.converter.onnx;

import dev.smelt.core.model.RopeScaling;

/**
 * RoPE inverse frequencies after config.json's {@code rope_scaling} (default, linear, llama3, yarn), computed in
 * double and rounded to float as transformers' {@code _compute_*_parameters} do, and the attention factor that
 * multiplies cos and sin (YaRN only). The graph turns them into cos/sin tables from {@code position_ids}.
 */
record RopeFrequencies(float[] inverse, float attentionFactor) {

    static RopeFrequencies of(int rotaryDim, double theta, RopeScaling scaling, int maxPositionEmbeddings) {
        double[] f = new double[rotaryDim / 2];
        for (int i = 0; i < f.length; i++) f[i] = 1.0 / Math.pow(theta, (2.0 * i) / rotaryDim);
        double attention = 1.0;
        if (scaling != null) {
            switch (scaling.type()) {
                case "linear" -> { for (int i = 0; i < f.length; i++) f[i] /= scaling.factor(); }
                case "llama3" -> llama3(f, scaling);
                case "yarn" -> attention = yarn(f, theta, rotaryDim, scaling, maxPositionEmbeddings);
                default -> throw new IllegalArgumentException("rope_scaling type " + scaling.type());
            }
        }
        float[] out = new float[f.length];
        for (int i = 0; i < f.length; i++) out[i] = (float) f[i];
        return new RopeFrequencies(out, (float) attention);
    }

    /** Llama 3: long wavelengths divided by the factor, short ones kept, a smooth blend between. */
    private static void llama3(double[] f, RopeScaling s) {
        double factor = s.factor();
        double low = s.lowFreqFactor() == null ? 1.0 : s.lowFreqFactor();
        double high = s.highFreqFactor() == null ? 4.0 : s.highFreqFactor();
        double context = s.originalMaxPositionEmbeddings() == null ? 8192 : s.originalMaxPositionEmbeddings();
        double lowWavelength = context / low;
        double highWavelength = context / high;
        for (int i = 0; i < f.length; i++) {
            double wavelength = 2 * Math.PI / f[i];
            if (wavelength > lowWavelength) {
                f[i] /= factor;
            } else if (wavelength >= highWavelength) {
                double smooth = (context / wavelength - low) / (high - low);
                f[i] = (1 - smooth) * f[i] / factor + smooth * f[i];
            }
        }
    }

    /** YaRN: interpolated and extrapolated frequencies blended over a linear ramp; returns the attention factor. */
    private static double yarn(double[] f, double theta, int dim, RopeScaling s, int maxPositions) {
        double factor = s.factor();
        int context = s.originalMaxPositionEmbeddings() != null ? s.originalMaxPositionEmbeddings() : maxPositions;
        double betaFast = s.betaFast() == null ? 32 : s.betaFast();
        double betaSlow = s.betaSlow() == null ? 1 : s.betaSlow();
        double lo = Math.max(0, Math.floor(correctionDim(betaFast, dim, theta, context)));
        double hi = Math.min(dim - 1, Math.ceil(correctionDim(betaSlow, dim, theta, context)));
        if (lo == hi) hi += 0.001;
        for (int i = 0; i < f.length; i++) {
            double ramp = Math.min(1, Math.max(0, (i - lo) / (hi - lo)));
            f[i] = f[i] / factor * ramp + f[i] * (1 - ramp);
        }
        if (s.attentionFactor() != null) return s.attentionFactor();
        return factor <= 1 ? 1.0 : 0.1 * Math.log(factor) + 1.0;
    }

    private static double correctionDim(double rotations, int dim, double base, int maxPositions) {
        return dim * Math.log(maxPositions / (rotations * 2 * Math.PI)) / (2 * Math.log(base));
    }
}

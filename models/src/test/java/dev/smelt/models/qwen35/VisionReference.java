package dev.smelt.models.qwen35;

import dev.smelt.core.model.Qwen35VisionTower;
import dev.smelt.core.vision.PixelPatches;
import java.util.Map;

/**
 * An independent plain-Java (double precision) forward of the Qwen3.5 vision tower, written from the transformers
 * definition (shared/reference/qwen35-vision.md §3) with explicit loops; shares no code with {@link VisionEncoder}.
 */
final class VisionReference {
    private final Qwen35VisionTower t;
    private final Map<String, float[]> w;

    VisionReference(Qwen35VisionTower t, Map<String, float[]> weights) {
        this.t = t;
        this.w = weights;
    }

    private float[] p(String k) {
        return w.get("model.visual." + k);
    }

    /** Patch embedding + interpolated positions, [N][D]. */
    double[][] embed(PixelPatches px) {
        int n = px.numPatches(), d = t.hiddenSize(), row = px.rowLength();
        float[] wt = p("patch_embed.proj.weight"), b = p("patch_embed.proj.bias"), table = p("pos_embed.weight");
        int side = (int) Math.sqrt(t.numPositionEmbeddings());
        double[][] h = new double[n][d];
        for (int i = 0; i < n; i++) {
            int[] rc = blockMajor(i, px.gridH(), px.gridW());
            // torch.linspace(0, side - 1, grid) then floor / ceil taps, bilinear weights
            double sr = px.gridH() == 1 ? 0 : (side - 1.0) * rc[0] / (px.gridH() - 1);
            double sc = px.gridW() == 1 ? 0 : (side - 1.0) * rc[1] / (px.gridW() - 1);
            int r0 = (int) sr, c0 = (int) sc, r1 = Math.min(r0 + 1, side - 1), c1 = Math.min(c0 + 1, side - 1);
            double fr = sr - r0, fc = sc - c0;
            for (int j = 0; j < d; j++) {
                double acc = b[j];
                for (int k = 0; k < row; k++) acc += wt[j * row + k] * (double) px.values()[i * row + k];
                acc += (1 - fr) * (1 - fc) * table[(r0 * side + c0) * d + j] + (1 - fr) * fc * table[(r0 * side + c1) * d + j]
                        + fr * (1 - fc) * table[(r1 * side + c0) * d + j] + fr * fc * table[(r1 * side + c1) * d + j];
                h[i][j] = acc;
            }
        }
        return h;
    }

    /** (row, col) of patch i: 2x2 blocks in raster order, raster inside each block. */
    static int[] blockMajor(int i, int gh, int gw) {
        int block = i / 4, within = i % 4;
        int br = block / (gw / 2), bc = block % (gw / 2);
        return new int[] {2 * br + within / 2, 2 * bc + within % 2};
    }

    double[][] encode(PixelPatches px) {
        double[][] h = embed(px);
        for (int b = 0; b < t.depth(); b++) h = block(b, h, px);
        return merge(h);
    }

    double[][] block(int b, double[][] h, PixelPatches px) {
        String pre = "blocks." + b + ".";
        int n = h.length, d = t.hiddenSize(), heads = t.numHeads(), hd = d / heads;
        double[][] q = new double[n][], k = new double[n][], v = new double[n][];
        for (int i = 0; i < n; i++) {
            double[] x = layerNorm(h[i], p(pre + "norm1.weight"), p(pre + "norm1.bias"));
            double[] qkv = linear(x, p(pre + "attn.qkv.weight"), p(pre + "attn.qkv.bias"), 3 * d);
            int[] rc = blockMajor(i, px.gridH(), px.gridW());
            q[i] = new double[d];
            k[i] = new double[d];
            v[i] = new double[d];
            for (int hh = 0; hh < heads; hh++) {
                double[] qh = new double[hd], kh = new double[hd];
                for (int e = 0; e < hd; e++) {
                    qh[e] = qkv[hh * hd + e];
                    kh[e] = qkv[d + hh * hd + e];
                    v[i][hh * hd + e] = qkv[2 * d + hh * hd + e];
                }
                qh = rope(qh, rc);
                kh = rope(kh, rc);
                System.arraycopy(qh, 0, q[i], hh * hd, hd);
                System.arraycopy(kh, 0, k[i], hh * hd, hd);
            }
        }
        double[][] out = new double[n][];
        for (int i = 0; i < n; i++) {
            double[] o = new double[d];
            for (int hh = 0; hh < heads; hh++) {
                double[] s = new double[n];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    double dot = 0;
                    for (int e = 0; e < hd; e++) dot += q[i][hh * hd + e] * k[j][hh * hd + e];
                    s[j] = dot / Math.sqrt(hd);
                    max = Math.max(max, s[j]);
                }
                double sum = 0;
                for (int j = 0; j < n; j++) sum += s[j] = Math.exp(s[j] - max);
                for (int e = 0; e < hd; e++) {
                    double acc = 0;
                    for (int j = 0; j < n; j++) acc += s[j] / sum * v[j][hh * hd + e];
                    o[hh * hd + e] = acc;
                }
            }
            double[] a = linear(o, p(pre + "attn.proj.weight"), p(pre + "attn.proj.bias"), d);
            double[] r = new double[d];
            for (int j = 0; j < d; j++) r[j] = h[i][j] + a[j];
            double[] y = linear(layerNorm(r, p(pre + "norm2.weight"), p(pre + "norm2.bias")),
                    p(pre + "mlp.linear_fc1.weight"), p(pre + "mlp.linear_fc1.bias"), t.intermediateSize());
            for (int j = 0; j < y.length; j++) {
                double x = y[j];
                y[j] = 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
            }
            double[] z = linear(y, p(pre + "mlp.linear_fc2.weight"), p(pre + "mlp.linear_fc2.bias"), d);
            for (int j = 0; j < d; j++) r[j] += z[j];
            out[i] = r;
        }
        return out;
    }

    double[][] merge(double[][] h) {
        int d = t.hiddenSize(), groups = h.length / 4;
        double[][] out = new double[groups][];
        for (int g = 0; g < groups; g++) {
            double[] cat = new double[4 * d];
            for (int u = 0; u < 4; u++) {
                double[] x = layerNorm(h[4 * g + u], p("merger.norm.weight"), p("merger.norm.bias"));
                System.arraycopy(x, 0, cat, u * d, d);
            }
            double[] y = linear(cat, p("merger.linear_fc1.weight"), p("merger.linear_fc1.bias"), 4 * d);
            for (int j = 0; j < y.length; j++) y[j] = 0.5 * y[j] * (1 + erf(y[j] / Math.sqrt(2)));
            out[g] = linear(y, p("merger.linear_fc2.weight"), p("merger.linear_fc2.bias"), t.outHiddenSize());
        }
        return out;
    }

    /** Angles [row·f, col·f, row·f, col·f] (f = theta^(-2i/(hd/2)), i < hd/4), rotate-half over the head. */
    private double[] rope(double[] x, int[] rc) {
        int hd = x.length, quarter = hd / 4, half = hd / 2;
        double[] y = new double[hd];
        for (int j = 0; j < half; j++) {
            double f = Math.pow(10_000.0, -(2.0 * (j % quarter)) / half);
            double ang = (j < quarter ? rc[0] : rc[1]) * f;
            y[j] = x[j] * Math.cos(ang) - x[j + half] * Math.sin(ang);
            y[j + half] = x[j + half] * Math.cos(ang) + x[j] * Math.sin(ang);
        }
        return y;
    }

    private static double[] layerNorm(double[] x, float[] g, float[] b) {
        double mean = 0, var = 0;
        for (double v : x) mean += v;
        mean /= x.length;
        for (double v : x) var += (v - mean) * (v - mean);
        var /= x.length;
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = (x[i] - mean) / Math.sqrt(var + 1e-6) * g[i] + b[i];
        return y;
    }

    private static double[] linear(double[] x, float[] wt, float[] b, int out) {
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double acc = b[o];
            for (int i = 0; i < x.length; i++) acc += wt[o * x.length + i] * x[i];
            y[o] = acc;
        }
        return y;
    }

    /** erf by its Maclaurin series (|x| < 3) or the asymptotic complement; far below the test tolerance. */
    static double erf(double x) {
        double ax = Math.abs(x);
        if (ax > 3) {
            double x2 = ax * ax;
            double erfc = Math.exp(-x2) / (ax * Math.sqrt(Math.PI))
                    * (1 - 1 / (2 * x2) + 3 / (4 * x2 * x2) - 15 / (8 * x2 * x2 * x2) + 105 / (16 * x2 * x2 * x2 * x2));
            return Math.signum(x) * (1 - erfc);
        }
        double sum = 0, term = ax;
        for (int n = 0; n < 200; n++) {
            sum += term / (2 * n + 1);
            term *= -ax * ax / (n + 1);
            if (Math.abs(term) < 1e-17) break;
        }
        return Math.signum(x) * 2 / Math.sqrt(Math.PI) * sum;
    }
}

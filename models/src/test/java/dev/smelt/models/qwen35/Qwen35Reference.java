package dev.smelt.models.qwen35;

import dev.smelt.core.model.LayerType;
import dev.smelt.core.model.Qwen35Config;
import java.util.Map;

/**
 * An independent plain-Java (double precision) forward pass of a Qwen3.5 text model, written token by token
 * from the transformers definition: the delta rule as the recurrence, conv as an explicit sum, attention as
 * loops. It shares no code with the DJL model and serves as its parity reference.
 */
final class Qwen35Reference {
    private final Qwen35Config c;
    private final Map<String, float[]> w;

    Qwen35Reference(Qwen35Config c, Map<String, float[]> weights) {
        this.c = c;
        this.w = weights;
    }

    /** (t, h, w) positions per token for the current forward; null: text positions 0..T-1. */
    private long[][] mpos;

    /** Logits [T][V] for one sequence at positions 0..T-1. */
    double[][] logits(int[] tokens) {
        return logits(tokens, null, null, -1);
    }

    /**
     * Logits with image rows: the rows of {@code tokens == imageToken} take {@code imageRows} in order, and token i
     * sits at (positions[0][i], positions[1][i], positions[2][i]) on the interleaved mRoPE streams.
     */
    double[][] logits(int[] tokens, double[][] imageRows, long[][] positions, int imageToken) {
        mpos = positions;
        int t = tokens.length, hs = c.hiddenSize();
        String p = c.weightPrefix();
        double[][] h = new double[t][hs];
        float[] emb = w.get(p + "embed_tokens.weight");
        int img = 0;
        for (int i = 0; i < t; i++) {
            if (imageRows != null && tokens[i] == imageToken) h[i] = imageRows[img++].clone();
            else for (int j = 0; j < hs; j++) h[i][j] = emb[tokens[i] * hs + j];
        }
        for (int l = 0; l < c.numLayers(); l++) {
            String lp = p + "layers." + l + ".";
            double[][] u = new double[t][];
            for (int i = 0; i < t; i++) u[i] = norm1p(h[i], w.get(lp + "input_layernorm.weight"));
            double[][] mixed = c.layerTypes().get(l) == LayerType.LINEAR_ATTENTION
                    ? deltaNet(u, lp + "linear_attn.") : attention(u, lp + "self_attn.");
            for (int i = 0; i < t; i++) {
                for (int j = 0; j < hs; j++) h[i][j] += mixed[i][j];
                double[] v = norm1p(h[i], w.get(lp + "post_attention_layernorm.weight"));
                double[] g = matVec(w.get(lp + "mlp.gate_proj.weight"), v, c.intermediateSize());
                double[] up = matVec(w.get(lp + "mlp.up_proj.weight"), v, c.intermediateSize());
                for (int j = 0; j < g.length; j++) g[j] = silu(g[j]) * up[j];
                double[] d = matVec(w.get(lp + "mlp.down_proj.weight"), g, hs);
                for (int j = 0; j < hs; j++) h[i][j] += d[j];
            }
        }
        float[] head = c.tieWordEmbeddings() ? emb : w.get("lm_head.weight");
        double[][] out = new double[t][];
        for (int i = 0; i < t; i++) out[i] = matVec(head, norm1p(h[i], w.get(p + "norm.weight")), c.vocabSize());
        return out;
    }

    private double[][] deltaNet(double[][] u, String p) {
        int t = u.length, hk = c.linearNumKeyHeads(), hv = c.linearNumValueHeads();
        int dk = c.linearKeyHeadDim(), dv = c.linearValueHeadDim(), kern = c.linearConvKernel();
        int conv = c.linearConvDim(), kd = hk * dk;
        double[][] mixed = new double[t][];
        for (int i = 0; i < t; i++) mixed[i] = matVec(w.get(p + "in_proj_qkv.weight"), u[i], conv);
        float[] cw = w.get(p + "conv1d.weight"); // [conv, 1, K]
        float[] aLog = w.get(p + "A_log"), dt = w.get(p + "dt_bias"), nw = w.get(p + "norm.weight");
        double[][][] s = new double[hv][dk][dv];
        double[][] out = new double[t][];
        for (int i = 0; i < t; i++) {
            double[] x = new double[conv];
            for (int ch = 0; ch < conv; ch++) {
                double acc = 0;
                for (int k = 0; k < kern; k++) {
                    int src = i - (kern - 1) + k;
                    if (src >= 0) acc += cw[ch * kern + k] * mixed[src][ch];
                }
                x[ch] = silu(acc);
            }
            double[] z = matVec(w.get(p + "in_proj_z.weight"), u[i], hv * dv);
            double[] b = matVec(w.get(p + "in_proj_b.weight"), u[i], hv);
            double[] a = matVec(w.get(p + "in_proj_a.weight"), u[i], hv);
            double[] gatedAll = new double[hv * dv];
            for (int j = 0; j < hv; j++) {
                int kh = j / (hv / hk);
                double[] q = l2(x, kh * dk, dk), k = l2(x, kd + kh * dk, dk);
                for (int e = 0; e < dk; e++) q[e] /= Math.sqrt(dk);
                double beta = 1 / (1 + Math.exp(-b[j]));
                double g = -Math.exp(aLog[j]) * Math.log1p(Math.exp(a[j] + dt[j]));
                double decay = Math.exp(g);
                double[] o = new double[dv];
                for (int e = 0; e < dv; e++) {
                    double pred = 0;
                    for (int f = 0; f < dk; f++) {
                        s[j][f][e] *= decay;
                        pred += s[j][f][e] * k[f];
                    }
                    double delta = beta * (x[2 * kd + j * dv + e] - pred);
                    for (int f = 0; f < dk; f++) s[j][f][e] += k[f] * delta;
                    for (int f = 0; f < dk; f++) o[e] += s[j][f][e] * q[f];
                }
                double ms = 0;
                for (double v : o) ms += v * v;
                double inv = 1 / Math.sqrt(ms / dv + c.rmsNormEps());
                for (int e = 0; e < dv; e++) gatedAll[j * dv + e] = o[e] * inv * nw[e] * silu(z[j * dv + e]);
            }
            out[i] = matVec(w.get(p + "out_proj.weight"), gatedAll, c.hiddenSize());
        }
        return out;
    }

    private double[][] attention(double[][] u, String p) {
        int t = u.length, nh = c.numHeads(), nkv = c.numKvHeads(), hd = c.headDim(), rot = c.rotaryDim();
        double[][][] q = new double[t][nh][], k = new double[t][nkv][], v = new double[t][nkv][];
        double[][][] gate = new double[t][nh][];
        for (int i = 0; i < t; i++) {
            double[] qg = matVec(w.get(p + "q_proj.weight"), u[i], 2 * nh * hd);
            double[] kk = matVec(w.get(p + "k_proj.weight"), u[i], nkv * hd);
            double[] vv = matVec(w.get(p + "v_proj.weight"), u[i], nkv * hd);
            for (int h = 0; h < nh; h++) {
                q[i][h] = rope(norm1p(slice(qg, h * 2 * hd, hd), w.get(p + "q_norm.weight")), i, rot);
                gate[i][h] = slice(qg, h * 2 * hd + hd, hd);
            }
            for (int h = 0; h < nkv; h++) {
                k[i][h] = rope(norm1p(slice(kk, h * hd, hd), w.get(p + "k_norm.weight")), i, rot);
                v[i][h] = slice(vv, h * hd, hd);
            }
        }
        double[][] out = new double[t][];
        for (int i = 0; i < t; i++) {
            double[] o = new double[nh * hd];
            for (int h = 0; h < nh; h++) {
                int kvh = h / (nh / nkv);
                double[] sc = new double[i + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= i; j++) {
                    double d = 0;
                    for (int e = 0; e < hd; e++) d += q[i][h][e] * k[j][kvh][e];
                    sc[j] = d / Math.sqrt(hd);
                    max = Math.max(max, sc[j]);
                }
                double sum = 0;
                for (int j = 0; j <= i; j++) sum += sc[j] = Math.exp(sc[j] - max);
                for (int e = 0; e < hd; e++) {
                    double acc = 0;
                    for (int j = 0; j <= i; j++) acc += sc[j] / sum * v[j][kvh][e];
                    o[h * hd + e] = acc / (1 + Math.exp(-gate[i][h][e]));
                }
            }
            out[i] = matVec(w.get(p + "o_proj.weight"), o, c.hiddenSize());
        }
        return out;
    }

    /** Rotate-half rotary on the first rot channels at text position pos (all mRoPE streams equal). */
    private double[] rope(double[] x, int pos, int rot) {
        double[] y = x.clone();
        int half = rot / 2;
        for (int i = 0; i < half; i++) {
            int stream = i % 3 == 1 && i < 3 * c.mropeSection().get(1) ? 1 : i % 3 == 2 && i < 3 * c.mropeSection().get(2) ? 2 : 0;
            double at = mpos == null ? pos : mpos[stream][pos];
            double ang = at / Math.pow(c.ropeTheta(), 2.0 * i / rot);
            double cos = Math.cos(ang), sin = Math.sin(ang);
            y[i] = x[i] * cos - x[i + half] * sin;
            y[i + half] = x[i + half] * cos + x[i] * sin;
        }
        return y;
    }

    private double[] norm1p(double[] x, float[] weight) {
        double ms = 0;
        for (double v : x) ms += v * v;
        double inv = 1 / Math.sqrt(ms / x.length + c.rmsNormEps());
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = x[i] * inv * (1 + weight[i]);
        return y;
    }

    private static double[] l2(double[] x, int from, int n) {
        double ss = 0;
        for (int i = 0; i < n; i++) ss += x[from + i] * x[from + i];
        double inv = 1 / Math.sqrt(ss + 1e-6);
        double[] y = new double[n];
        for (int i = 0; i < n; i++) y[i] = x[from + i] * inv;
        return y;
    }

    private static double[] slice(double[] x, int from, int n) {
        double[] y = new double[n];
        System.arraycopy(x, from, y, 0, n);
        return y;
    }

    private static double[] matVec(float[] m, double[] x, int rows) {
        double[] y = new double[rows];
        int cols = x.length;
        for (int r = 0; r < rows; r++) {
            double acc = 0;
            for (int k = 0; k < cols; k++) acc += m[r * cols + k] * x[k];
            y[r] = acc;
        }
        return y;
    }

    private static double silu(double x) {
        return x / (1 + Math.exp(-x));
    }
}

package dev.smelt.converter.hf;

import dev.smelt.core.model.DenseConfig;
import dev.smelt.core.model.LayerType;
import dev.smelt.core.model.ModelConfig;
import dev.smelt.core.model.Qwen35Config;
import dev.smelt.core.safetensors.SafetensorsModel;
import java.util.ArrayList;
import java.util.List;

/**
 * A deliberately plain float32 forward pass over the Hugging Face weights, written from the transformers
 * definitions (see shared/reference/qwen-architectures.md), used to check that llama.cpp computes the same
 * next-token distribution from our GGUF. Slow and allocation-heavy; for tiny test models only.
 */
public final class ReferenceForward {
    private final ModelConfig cfg;
    private final SafetensorsModel w;
    private final String m; // weight prefix of the decoder, "model." or "model.language_model."

    public ReferenceForward(ModelConfig cfg, SafetensorsModel w) {
        this.cfg = cfg;
        this.w = w;
        this.m = cfg instanceof Qwen35Config q ? q.weightPrefix() : "model.";
    }

    /** Logits after the last token of {@code tokens}. */
    public float[] logits(int[] tokens) {
        int hidden = cfg.hiddenSize();
        float[] emb = w.floats(m + "embed_tokens.weight");
        List<float[]> xs = new ArrayList<>();
        for (int t : tokens) {
            float[] x = new float[hidden];
            System.arraycopy(emb, t * hidden, x, 0, hidden);
            xs.add(x);
        }
        for (int l = 0; l < cfg.numLayers(); l++) {
            String p = m + "layers." + l + ".";
            List<float[]> normed = new ArrayList<>();
            for (float[] x : xs) normed.add(rmsNorm(x, w.floats(p + "input_layernorm.weight"), eps(), onePlus()));
            List<float[]> mixed;
            if (cfg instanceof Qwen35Config q && q.layerTypes().get(l) == LayerType.LINEAR_ATTENTION) {
                mixed = gatedDeltaNet(q, p + "linear_attn.", normed);
            } else {
                mixed = attention(p + "self_attn.", normed);
            }
            for (int i = 0; i < xs.size(); i++) add(xs.get(i), mixed.get(i));
            for (float[] x : xs) {
                float[] h = rmsNorm(x, w.floats(p + "post_attention_layernorm.weight"), eps(), onePlus());
                float[] g = linear(p + "mlp.gate_proj", h);
                float[] u = linear(p + "mlp.up_proj", h);
                for (int i = 0; i < g.length; i++) g[i] = silu(g[i]) * u[i];
                add(x, linear(p + "mlp.down_proj", g));
            }
        }
        float[] last = rmsNorm(xs.get(xs.size() - 1), w.floats(m + "norm.weight"), eps(), onePlus());
        String head = w.contains("lm_head.weight") ? "lm_head" : m + "embed_tokens";
        return linear(head, last);
    }

    private double eps() {
        return cfg instanceof DenseConfig d ? d.rmsNormEps() : ((Qwen35Config) cfg).rmsNormEps();
    }

    private boolean onePlus() {
        return cfg instanceof Qwen35Config;
    }

    private List<float[]> attention(String p, List<float[]> hs) {
        int heads, kvHeads, hd, rot;
        double theta;
        boolean gated = false, qkNorm;
        if (cfg instanceof DenseConfig d) {
            heads = d.numHeads();
            kvHeads = d.numKvHeads();
            hd = d.headDim();
            rot = hd;
            theta = d.ropeTheta();
            qkNorm = d.qkNorm();
        } else {
            Qwen35Config q = (Qwen35Config) cfg;
            heads = q.numHeads();
            kvHeads = q.numKvHeads();
            hd = q.headDim();
            rot = q.rotaryDim();
            theta = q.ropeTheta();
            gated = q.attnOutputGate();
            qkNorm = true;
        }
        int n = hs.size();
        float[][] qs = new float[n][], ks = new float[n][], vs = new float[n][], gates = new float[n][];
        for (int t = 0; t < n; t++) {
            float[] qp = linear(p + "q_proj", hs.get(t));
            float[] q = new float[heads * hd];
            if (gated) {
                gates[t] = new float[heads * hd];
                for (int h = 0; h < heads; h++) {
                    System.arraycopy(qp, h * 2 * hd, q, h * hd, hd);
                    System.arraycopy(qp, h * 2 * hd + hd, gates[t], h * hd, hd);
                }
            } else {
                q = qp;
            }
            float[] k = linear(p + "k_proj", hs.get(t));
            if (qkNorm) {
                headNorm(q, heads, hd, w.floats(p + "q_norm.weight"));
                headNorm(k, kvHeads, hd, w.floats(p + "k_norm.weight"));
            }
            rope(q, heads, hd, rot, t, theta);
            rope(k, kvHeads, hd, rot, t, theta);
            qs[t] = q;
            ks[t] = k;
            vs[t] = linear(p + "v_proj", hs.get(t));
        }
        List<float[]> out = new ArrayList<>();
        int group = heads / kvHeads;
        for (int t = 0; t < n; t++) {
            float[] o = new float[heads * hd];
            for (int h = 0; h < heads; h++) {
                int kh = h / group;
                double[] s = new double[t + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= t; j++) {
                    double dot = 0;
                    for (int d = 0; d < hd; d++) dot += qs[t][h * hd + d] * ks[j][kh * hd + d];
                    s[j] = dot / Math.sqrt(hd);
                    max = Math.max(max, s[j]);
                }
                double sum = 0;
                for (int j = 0; j <= t; j++) sum += s[j] = Math.exp(s[j] - max);
                for (int j = 0; j <= t; j++) {
                    for (int d = 0; d < hd; d++) o[h * hd + d] += (float) (s[j] / sum * vs[j][kh * hd + d]);
                }
            }
            if (gated) for (int i = 0; i < o.length; i++) o[i] *= sigmoid(gates[t][i]);
            out.add(linear(p + "o_proj", o));
        }
        return out;
    }

    /** Qwen3.5 Gated DeltaNet, recurrent form, HF head order (V head j uses K head j / (Hv/Hk)). */
    private List<float[]> gatedDeltaNet(Qwen35Config c, String p, List<float[]> hs) {
        int hk = c.linearNumKeyHeads(), hv = c.linearNumValueHeads(), dk = c.linearKeyHeadDim(), dv = c.linearValueHeadDim();
        int keyDim = hk * dk, convDim = c.linearConvDim(), kernel = c.linearConvKernel();
        float[] conv = w.floats(p + "conv1d.weight"); // [convDim, 1, kernel]
        float[] aLog = w.floats(p + "A_log");
        float[] dtBias = w.floats(p + "dt_bias");
        float[] normW = w.floats(p + "norm.weight");
        int n = hs.size();
        float[][] mixed = new float[n][];
        for (int t = 0; t < n; t++) mixed[t] = linear(p + "in_proj_qkv", hs.get(t));
        double[][][] state = new double[hv][dk][dv];
        List<float[]> out = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            float[] cv = new float[convDim];
            for (int ch = 0; ch < convDim; ch++) {
                double s = 0;
                for (int k = 0; k < kernel; k++) {
                    int src = t - (kernel - 1) + k;
                    if (src >= 0) s += conv[ch * kernel + k] * mixed[src][ch];
                }
                cv[ch] = silu((float) s);
            }
            float[] z = linear(p + "in_proj_z", hs.get(t));
            float[] b = linear(p + "in_proj_b", hs.get(t));
            float[] a = linear(p + "in_proj_a", hs.get(t));
            float[] o = new float[hv * dv];
            for (int h = 0; h < hv; h++) {
                int kh = h / (hv / hk);
                double[] q = new double[dk], k = new double[dk];
                double qn = 0, kn = 0;
                for (int d = 0; d < dk; d++) {
                    q[d] = cv[kh * dk + d];
                    k[d] = cv[keyDim + kh * dk + d];
                    qn += q[d] * q[d];
                    kn += k[d] * k[d];
                }
                qn = 1 / Math.sqrt(qn + 1e-6);
                kn = 1 / Math.sqrt(kn + 1e-6);
                for (int d = 0; d < dk; d++) {
                    q[d] *= qn / Math.sqrt(dk);
                    k[d] *= kn;
                }
                double beta = sigmoid(b[h]);
                double g = -Math.exp(aLog[h]) * softplus(a[h] + dtBias[h]);
                double decay = Math.exp(g);
                double[][] s = state[h];
                for (int i = 0; i < dk; i++) for (int j = 0; j < dv; j++) s[i][j] *= decay;
                for (int j = 0; j < dv; j++) {
                    double pred = 0;
                    for (int i = 0; i < dk; i++) pred += s[i][j] * k[i];
                    double delta = beta * (cv[2 * keyDim + h * dv + j] - pred);
                    for (int i = 0; i < dk; i++) s[i][j] += k[i] * delta;
                }
                double ms = 0;
                double[] oh = new double[dv];
                for (int j = 0; j < dv; j++) {
                    for (int i = 0; i < dk; i++) oh[j] += s[i][j] * q[i];
                    ms += oh[j] * oh[j];
                }
                double r = 1 / Math.sqrt(ms / dv + c.rmsNormEps());
                for (int j = 0; j < dv; j++) o[h * dv + j] = (float) (oh[j] * r * normW[j] * silu(z[h * dv + j]));
            }
            out.add(linear(p + "out_proj", o));
        }
        return out;
    }

    private float[] linear(String name, float[] x) {
        float[] wt = w.floats(name + ".weight");
        int in = x.length, outN = wt.length / in;
        float[] y = new float[outN];
        for (int o = 0; o < outN; o++) {
            double s = 0;
            for (int i = 0; i < in; i++) s += wt[o * in + i] * x[i];
            y[o] = (float) s;
        }
        if (w.contains(name + ".bias")) {
            float[] b = w.floats(name + ".bias");
            for (int o = 0; o < outN; o++) y[o] += b[o];
        }
        return y;
    }

    private static float[] rmsNorm(float[] x, float[] wt, double eps, boolean onePlus) {
        double ms = 0;
        for (float v : x) ms += v * v;
        double r = 1 / Math.sqrt(ms / x.length + eps);
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) y[i] = (float) (x[i] * r * (onePlus ? 1 + wt[i] : wt[i]));
        return y;
    }

    private void headNorm(float[] x, int heads, int hd, float[] wt) {
        for (int h = 0; h < heads; h++) {
            float[] part = new float[hd];
            System.arraycopy(x, h * hd, part, 0, hd);
            System.arraycopy(rmsNorm(part, wt, eps(), onePlus()), 0, x, h * hd, hd);
        }
    }

    /** rotate-half RoPE on the first {@code rot} channels of each head. */
    private static void rope(float[] x, int heads, int hd, int rot, int pos, double theta) {
        int half = rot / 2;
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                double ang = pos * Math.pow(theta, -2.0 * i / rot);
                double cos = Math.cos(ang), sin = Math.sin(ang);
                int a = h * hd + i, b = h * hd + i + half;
                double xa = x[a], xb = x[b];
                x[a] = (float) (xa * cos - xb * sin);
                x[b] = (float) (xb * cos + xa * sin);
            }
        }
    }

    private static void add(float[] x, float[] y) {
        for (int i = 0; i < x.length; i++) x[i] += y[i];
    }

    static float silu(float x) {
        return (float) (x / (1 + Math.exp(-x)));
    }

    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    static double softplus(double x) {
        return x > 20 ? x : Math.log1p(Math.exp(x));
    }

    static double[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l);
        double sum = 0;
        double[] p = new double[logits.length];
        for (int i = 0; i < p.length; i++) sum += p[i] = Math.exp(logits[i] - max);
        for (int i = 0; i < p.length; i++) p[i] /= sum;
        return p;
    }
}

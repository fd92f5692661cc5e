package dev.smelt.trainer.peft;

import dev.smelt.core.SmeltException;
import java.util.Arrays;

/**
 * The two factors of one module's adapter on the host, row-major: {@code a} is [r, in], {@code b} is
 * [out, r] (PEFT's lora_A.weight / lora_B.weight layout); the update is scaling·B·A.
 */
public record LoraPair(String module, int rank, int in, int out, float[] a, float[] b) {
    public LoraPair {
        if (a.length != (long) rank * in) throw new SmeltException(module + ": lora_A has " + a.length + " values, expected " + rank + "×" + in);
        if (b.length != (long) out * rank) throw new SmeltException(module + ": lora_B has " + b.length + " values, expected " + out + "×" + rank);
    }

    /** Adds {@code scaling}·(B·A)[row0..row0+rows) to {@code w} (rows×in, row-major), in place. */
    public void foldInto(float[] w, int row0, int rows, double scaling) {
        float s = (float) scaling;
        float[] tmp = new float[in];
        for (int o = 0; o < rows; o++) {
            Arrays.fill(tmp, 0f);
            int bRow = (row0 + o) * rank;
            for (int k = 0; k < rank; k++) {
                float bk = b[bRow + k];
                if (bk == 0f) continue;
                int aRow = k * in;
                for (int i = 0; i < in; i++) tmp[i] += bk * a[aRow + i];
            }
            int wRow = o * in;
            for (int i = 0; i < in; i++) w[wRow + i] += s * tmp[i];
        }
    }
}

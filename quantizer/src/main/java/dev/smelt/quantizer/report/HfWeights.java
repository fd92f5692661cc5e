package dev.smelt.quantizer.report;

import dev.smelt.converter.arch.GgufArchitecture;
import dev.smelt.converter.arch.RowTransform;
import dev.smelt.converter.gguf.GgmlType;
import dev.smelt.converter.gguf.GgufReader;
import dev.smelt.converter.gguf.GgufTensorInfo;
import dev.smelt.converter.gguf.vocab.MappedTensor;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.ModelConfig;
import dev.smelt.quantizer.block.BlockQuantizer;
import dev.smelt.quantizer.block.Fp16;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A GGUF file's weights read back as the Hugging Face tensors they were converted from: dequantized (any type Smelt
 * writes, F16, BF16, F32), with the converter's row and column orders undone, so a model can run on them in place of
 * its safetensors weights.
 */
public final class HfWeights implements AutoCloseable {
    private final GgufReader gguf;
    private final ModelConfig config;
    private final GgufArchitecture arch;

    private HfWeights(GgufReader gguf, ModelConfig config) {
        this.gguf = gguf;
        this.config = config;
        this.arch = GgufArchitecture.of(config);
        String fileArch = gguf.architecture();
        if (!arch.ggufName().equals(fileArch)) {
            throw new SmeltException(gguf.path() + ": architecture " + fileArch + ", but the model directory is "
                    + arch.ggufName() + " (a GGUF of another model?)");
        }
    }

    public static HfWeights open(Path file, ModelConfig config) {
        GgufReader r = GgufReader.open(file);
        try {
            return new HfWeights(r, config);
        } catch (RuntimeException e) {
            r.close();
            throw e;
        }
    }

    /** The GGUF tensor an HF tensor became. */
    public String ggufName(String hfName) {
        return arch.tensorNames().map(hfName).ggufName();
    }

    /** The GGUF type of the tensor {@code hfName} became. */
    public GgmlType type(String hfName) {
        return info(hfName).type();
    }

    /**
     * The values of HF tensor {@code hfName} of shape {@code hfShape} ({@code [rows, cols...]}, row-major), dequantized
     * from the GGUF file with the converter's row/column orders undone.
     */
    public float[] read(String hfName, long[] hfShape) {
        MappedTensor mapped = arch.tensorNames().map(hfName);
        GgufTensorInfo t = info(hfName);
        long[] shape = arch.shape(mapped, hfShape);
        long total = 1;
        for (long d : shape) total *= d;
        if (t.numElements() != total) {
            throw new SmeltException(gguf.path() + ": " + t.name() + " has " + t.numElements() + " values, the model's "
                    + hfName + " " + Arrays.toString(hfShape) + " has " + total);
        }
        RowTransform tr = arch.transform(config, mapped, shape);
        if (tr.op() != RowTransform.ElementOp.NONE) {
            throw new SmeltException(hfName + ": the GGUF export maps its values (" + tr.op() + "); not read back");
        }
        int rows = shape.length == 0 ? 1 : (int) shape[0];
        int cols = (int) (total / rows);
        float[] g = decode(t, rows, cols);
        int[] ro = tr.rowOrder();
        int[] co = tr.colOrder();
        if (ro == null && co == null) return g;
        float[] hf = new float[g.length];
        for (int r = 0; r < rows; r++) {
            int sr = ro == null ? r : ro[r];
            for (int c = 0; c < cols; c++) hf[sr * cols + (co == null ? c : co[c])] = g[r * cols + c];
        }
        return hf;
    }

    /** Root mean square of {@code a − b}. */
    public static double rmse(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - b[i];
            s += d * d;
        }
        return Math.sqrt(s / a.length);
    }

    private GgufTensorInfo info(String hfName) {
        String name = ggufName(hfName);
        return gguf.findTensor(name).orElseThrow(() -> new SmeltException(gguf.path() + ": no tensor " + name
                + " (the model's " + hfName + ")"));
    }

    private float[] decode(GgufTensorInfo t, int rows, int cols) {
        float[] out = new float[Math.multiplyExact(rows, cols)];
        ByteBuffer b = gguf.bytes(t.name()).order(ByteOrder.LITTLE_ENDIAN);
        switch (t.type()) {
            case F32 -> b.asFloatBuffer().get(out);
            case F16 -> {
                for (int i = 0; i < out.length; i++) out[i] = Fp16.toFloat(b.getShort(2 * i));
            }
            case BF16 -> {
                for (int i = 0; i < out.length; i++) out[i] = Float.intBitsToFloat((b.getShort(2 * i) & 0xFFFF) << 16);
            }
            default -> {
                BlockQuantizer q = BlockQuantizer.of(t.type());
                int rowBytes = (int) t.type().byteSize(cols);
                byte[] row = new byte[rowBytes];
                for (int r = 0; r < rows; r++) {
                    b.get(r * rowBytes, row);
                    q.dequantizeRow(row, 0, out, r * cols, cols);
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        gguf.close();
    }
}

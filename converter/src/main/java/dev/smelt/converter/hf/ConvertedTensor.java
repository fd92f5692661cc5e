package dev.smelt.converter.hf;

import dev.smelt.converter.arch.RowTransform;
import dev.smelt.converter.gguf.GgmlType;
import dev.smelt.converter.gguf.GgufTensor;
import dev.smelt.core.SmeltException;
import dev.smelt.core.safetensors.DType;
import dev.smelt.core.safetensors.Floats;
import dev.smelt.core.safetensors.SafetensorsFile;
import dev.smelt.core.safetensors.TensorInfo;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.util.Arrays;

/**
 * One GGUF tensor produced from one safetensors tensor: source rows are read from the memory-mapped file a
 * batch at a time, widened to float, moved and mapped by a {@link RowTransform}, narrowed to the output type
 * and written; a {@link RowEdit} may change each source row first (a LoRA update merged on the way). Heap use is
 * one batch (about a million values), whatever the tensor size.
 */
public final class ConvertedTensor implements GgufTensor {
    private static final int BATCH_VALUES = 1 << 20;
    private static final long WINDOW_BYTES = 1L << 28;

    private final String name;
    private final long[] dims;
    private final GgmlType type;
    private final SafetensorsFile source;
    private final TensorInfo info;
    private final int rows;
    private final int cols;
    private final RowTransform transform;
    private final RowEdit edit;

    /**
     * @param dims GGUF dims (innermost first) of the output; their product must equal the source element count
     */
    public ConvertedTensor(String name, long[] dims, GgmlType type, SafetensorsFile source, TensorInfo info,
            RowTransform transform) {
        this(name, dims, type, source, info, transform, null);
    }

    /**
     * @param edit applied to every source row after it is read and before the transform moves it; null for none
     */
    public ConvertedTensor(String name, long[] dims, GgmlType type, SafetensorsFile source, TensorInfo info,
            RowTransform transform, RowEdit edit) {
        if (type != GgmlType.F32 && type != GgmlType.F16 && type != GgmlType.BF16) {
            throw new IllegalArgumentException("ConvertedTensor writes F32/F16/BF16, not " + type);
        }
        DType dt = info.dtype();
        if (dt != DType.F32 && dt != DType.F16 && dt != DType.BF16 && dt != DType.F64) {
            throw new SmeltException(source.path() + ": tensor \"" + info.name() + "\" has dtype " + dt
                    + "; only F32, F16, BF16 and F64 weights can be converted to GGUF");
        }
        this.name = name;
        this.dims = dims.clone();
        this.type = type;
        this.source = source;
        this.info = info;
        long[] shape = info.shape();
        long r = shape.length == 0 ? 1 : shape[0];
        long c = 1;
        for (int i = 1; i < shape.length; i++) c *= shape[i];
        if (r > Integer.MAX_VALUE || c > Integer.MAX_VALUE) {
            throw new SmeltException("tensor \"" + info.name() + "\" " + Arrays.toString(shape) + " is too large to convert");
        }
        this.rows = (int) r;
        this.cols = (int) c;
        long n = 1;
        for (long d : dims) n *= d;
        if (n != info.numElements()) {
            throw new IllegalArgumentException(name + ": dims " + Arrays.toString(dims) + " do not hold "
                    + info.numElements() + " elements");
        }
        if (transform.rowOrder() != null && transform.rowOrder().length != rows) {
            throw new IllegalArgumentException(name + ": row order has " + transform.rowOrder().length + " entries for " + rows + " rows");
        }
        if (transform.colOrder() != null && transform.colOrder().length != cols) {
            throw new IllegalArgumentException(name + ": column order has " + transform.colOrder().length + " entries for " + cols + " columns");
        }
        this.transform = transform;
        this.edit = edit;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long[] dims() {
        return dims.clone();
    }

    @Override
    public GgmlType type() {
        return type;
    }

    public String sourceName() {
        return info.name();
    }

    public DType sourceType() {
        return info.dtype();
    }

    public RowTransform transform() {
        return transform;
    }

    /** True when bytes can be copied verbatim: no transform and the source already has the output type. */
    boolean isVerbatimCopy() {
        return edit == null && transform.isIdentity() && (info.dtype() == DType.F32 && type == GgmlType.F32
                || info.dtype() == DType.F16 && type == GgmlType.F16 || info.dtype() == DType.BF16 && type == GgmlType.BF16);
    }

    @Override
    public void writeTo(WritableByteChannel out) throws IOException {
        if (isVerbatimCopy()) {
            long size = info.byteSize();
            for (long off = 0; off < size; off += WINDOW_BYTES) {
                if (Thread.currentThread().isInterrupted()) throw new InterruptedIOException("interrupted");
                ByteBuffer b = source.window(info.name(), off, Math.min(WINDOW_BYTES, size - off));
                while (b.hasRemaining()) out.write(b);
            }
            return;
        }
        int rowsPerBatch = Math.max(1, Math.min(rows, BATCH_VALUES / Math.max(1, cols)));
        int outBytes = type == GgmlType.F32 ? 4 : 2;
        ByteBuffer buf = ByteBuffer.allocate(rowsPerBatch * cols * outBytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] row = new float[cols];
        float[] moved = transform.colOrder() == null ? null : new float[cols];
        short[] halves = type == GgmlType.F32 ? null : new short[cols];
        Rows reader = new Rows();
        for (int r0 = 0; r0 < rows; r0 += rowsPerBatch) {
            if (Thread.currentThread().isInterrupted()) throw new InterruptedIOException("interrupted");
            int r1 = Math.min(rows, r0 + rowsPerBatch);
            buf.clear();
            for (int r = r0; r < r1; r++) {
                int sr = transform.rowOrder() == null ? r : transform.rowOrder()[r];
                reader.read(sr, row);
                if (edit != null) edit.apply(sr, row);
                float[] values = row;
                if (moved != null) {
                    int[] co = transform.colOrder();
                    for (int c = 0; c < cols; c++) moved[c] = row[co[c]];
                    values = moved;
                }
                encode(values, halves, buf);
            }
            buf.flip();
            while (buf.hasRemaining()) out.write(buf);
        }
    }

    private void encode(float[] values, short[] halves, ByteBuffer buf) {
        RowTransform.ElementOp op = transform.op();
        if (op != RowTransform.ElementOp.NONE) {
            for (int i = 0; i < values.length; i++) values[i] = op.apply(values[i]);
        }
        switch (type) {
            case F32 -> {
                buf.asFloatBuffer().put(values);
                buf.position(buf.position() + values.length * 4);
            }
            case F16, BF16 -> {
                boolean half = type == GgmlType.F16;
                for (int i = 0; i < values.length; i++) {
                    halves[i] = half ? Floats.floatToHalf(values[i]) : Floats.floatToBf16(values[i]);
                }
                buf.asShortBuffer().put(halves);
                buf.position(buf.position() + values.length * 2);
            }
            default -> throw new IllegalStateException(type.name());
        }
    }

    /** Reads source rows through a cached mapping of a window of whole rows. */
    private final class Rows {
        private final long rowBytes = (long) cols * info.dtype().byteSize();
        private final int rowsPerWindow = (int) Math.max(1, Math.min(rows, WINDOW_BYTES / Math.max(1, rowBytes)));
        private ByteBuffer window;
        private int windowStart = -1;

        private short[] raw;

        void read(int r, float[] dst) {
            int w = r / rowsPerWindow * rowsPerWindow;
            if (w != windowStart) {
                int n = Math.min(rowsPerWindow, rows - w);
                window = source.window(info.name(), w * rowBytes, n * rowBytes);
                windowStart = w;
            }
            ByteBuffer b = window.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            b.position((int) ((r - w) * rowBytes));
            switch (info.dtype()) {
                case F32 -> b.asFloatBuffer().get(dst, 0, cols);
                case F16, BF16 -> {
                    if (raw == null) raw = new short[cols];
                    b.asShortBuffer().get(raw, 0, cols);
                    if (info.dtype() == DType.BF16) {
                        for (int i = 0; i < cols; i++) dst[i] = Float.intBitsToFloat((raw[i] & 0xffff) << 16);
                    } else {
                        for (int i = 0; i < cols; i++) dst[i] = Floats.halfToFloat(raw[i]);
                    }
                }
                default -> System.arraycopy(Floats.toFloats(b, info.dtype(), cols), 0, dst, 0, cols);
            }
        }
    }
}

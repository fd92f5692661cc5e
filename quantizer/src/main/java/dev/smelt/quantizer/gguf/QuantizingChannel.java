package dev.smelt.quantizer.gguf;

import dev.smelt.converter.gguf.GgmlType;
import dev.smelt.core.SmeltException;
import dev.smelt.quantizer.block.BlockQuantizer;
import dev.smelt.quantizer.block.Fp16;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Receives a tensor's rows in their source encoding (F32, F16, BF16 or a block type), collects a slab of
 * whole rows (about {@link #SLAB_FLOATS} values), converts it to floats, quantizes its rows in parallel
 * (contiguous row ranges per thread, each row independent, so the result does not depend on the thread
 * count) and writes the encoded slab downstream. Call {@link #finish()} after the last byte.
 */
final class QuantizingChannel implements WritableByteChannel {
    static final int SLAB_FLOATS = 4 << 20;

    private final String name;
    private final GgmlType sourceType;
    private final GgmlType target;
    private final int n;
    private final long rowsPerExpert;
    private final float[] importance;
    private final WritableByteChannel out;
    private final ExecutorService pool;
    private final int threads;
    private final BlockQuantizer quantizer;
    private final BlockQuantizer sourceBlocks;
    private final int srcRowBytes;
    private final int dstRowBytes;
    private final ByteBuffer pending;
    private final float[] x;
    private final byte[] y;
    private final long totalRows;
    private long rowsDone;

    QuantizingChannel(String name, GgmlType sourceType, GgmlType target, long[] dims, float[] importance,
            WritableByteChannel out, ExecutorService pool, int threads) {
        this.name = name;
        this.sourceType = sourceType;
        this.target = target;
        this.n = Math.toIntExact(dims[0]);
        long elements = 1;
        for (long d : dims) elements *= d;
        this.totalRows = elements / n;
        this.rowsPerExpert = dims.length > 1 ? dims[1] : totalRows;
        this.importance = importance;
        this.out = out;
        this.pool = pool;
        this.threads = threads;
        this.quantizer = target == GgmlType.F16 ? null : BlockQuantizer.of(target);
        this.sourceBlocks = sourceType.isQuantized() ? BlockQuantizer.of(sourceType) : null;
        this.srcRowBytes = Math.toIntExact(sourceType.byteSize(n));
        this.dstRowBytes = Math.toIntExact(target.byteSize(n));
        int slabRows = (int) Math.max(1, Math.min(totalRows, SLAB_FLOATS / n));
        this.pending = ByteBuffer.allocate(slabRows * srcRowBytes).order(ByteOrder.LITTLE_ENDIAN);
        this.x = new float[slabRows * n];
        this.y = new byte[slabRows * dstRowBytes];
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        int written = 0;
        while (src.hasRemaining()) {
            int k = Math.min(src.remaining(), pending.remaining());
            ByteBuffer part = src.slice();
            part.limit(k);
            pending.put(part);
            src.position(src.position() + k);
            written += k;
            if (!pending.hasRemaining()) flush();
        }
        return written;
    }

    /** Encodes the last partial slab; fails if the source did not deliver whole rows. */
    void finish() throws IOException {
        if (pending.position() % srcRowBytes != 0) {
            throw new SmeltException("tensor \"" + name + "\": source ended inside a row");
        }
        flush();
        if (rowsDone != totalRows) {
            throw new SmeltException("tensor \"" + name + "\": source delivered " + rowsDone + " rows, expected " + totalRows);
        }
    }

    private void flush() throws IOException {
        int rows = pending.position() / srcRowBytes;
        if (rows == 0) return;
        pending.flip();
        decode(rows);
        pending.clear();
        long base = rowsDone;
        parallel(rows, (a, b) -> {
            for (int r = a; r < b; r++) encode(r, base + r);
        });
        rowsDone += rows;
        ByteBuffer b = ByteBuffer.wrap(y, 0, rows * dstRowBytes);
        while (b.hasRemaining()) out.write(b);
    }

    private void decode(int rows) {
        int count = rows * n;
        switch (sourceType) {
            case F32 -> pending.asFloatBuffer().get(x, 0, count);
            case F16 -> {
                for (int i = 0; i < count; i++) x[i] = Fp16.toFloat(pending.getShort(2 * i));
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) x[i] = Float.intBitsToFloat((pending.getShort(2 * i) & 0xFFFF) << 16);
            }
            default -> {
                byte[] row = new byte[srcRowBytes];
                for (int r = 0; r < rows; r++) {
                    pending.get(r * srcRowBytes, row);
                    sourceBlocks.dequantizeRow(row, 0, x, r * n, n);
                }
            }
        }
    }

    private void encode(int r, long globalRow) {
        if (quantizer == null) {
            for (int j = 0; j < n; j++) {
                short h = Fp16.fromFloat(x[r * n + j]);
                y[r * dstRowBytes + 2 * j] = (byte) h;
                y[r * dstRowBytes + 2 * j + 1] = (byte) (h >> 8);
            }
            return;
        }
        quantizer.quantizeRow(x, r * n, n, importanceFor(globalRow), y, r * dstRowBytes);
    }

    /** The importance vector of the expert this row belongs to (expert tensors stack experts along dim 2). */
    private float[] importanceFor(long row) {
        if (importance == null) return null;
        int expert = (int) (row / rowsPerExpert);
        return expert == 0 ? importance : Arrays.copyOfRange(importance, expert * n, (expert + 1) * n);
    }

    private interface RowRange {
        void run(int from, int to);
    }

    private void parallel(int rows, RowRange task) throws IOException {
        int t = Math.max(1, Math.min(rows, threads));
        if (t == 1) {
            task.run(0, rows);
            return;
        }
        List<Future<?>> futures = new ArrayList<>(t);
        for (int i = 0; i < t; i++) {
            int a = (int) ((long) rows * i / t);
            int b = (int) ((long) rows * (i + 1) / t);
            futures.add(pool.submit(() -> task.run(a, b)));
        }
        try {
            for (Future<?> f : futures) f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while quantizing " + name);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IOException("quantizing " + name + " failed", e.getCause());
        }
    }

    @Override
    public boolean isOpen() {
        return out.isOpen();
    }

    @Override
    public void close() {
        // the downstream channel belongs to the writer
    }
}

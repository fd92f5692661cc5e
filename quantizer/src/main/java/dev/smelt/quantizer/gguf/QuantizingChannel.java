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
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Receives a tensor's rows in their source encoding (F32, F16, BF16 or a block type) and quantizes them a slab of
 * whole rows (about {@link #SLAB_FLOATS} values) at a time: the rows are split into contiguous ranges, one per
 * thread, and each thread decodes and quantizes its own range (each row independent, so the result does not depend
 * on the thread count). Whole rows are read straight from the source buffer (a window of the input); only a row cut
 * by a buffer boundary is copied. The encoded slab is written downstream by the {@link Scratch}'s writer thread
 * while the next slab is quantized. Call {@link #finish()} after the last byte.
 */
final class QuantizingChannel implements WritableByteChannel {
    static final int SLAB_FLOATS = 4 << 20;

    /**
     * Buffers and the writer thread, shared by the tensors of one file (written one after another), so a file of
     * many tensors does not allocate and zero a slab per tensor.
     */
    static final class Scratch implements AutoCloseable {
        private final ExecutorService pool;
        private final int threads;
        private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "smelt-quantize-write");
            t.setDaemon(true);
            return t;
        });
        private float[] x = new float[0];
        private ByteBuffer pending = ByteBuffer.allocate(0);
        private final byte[][] y = {new byte[0], new byte[0]};

        Scratch(ExecutorService pool, int threads) {
            this.pool = pool;
            this.threads = threads;
        }

        private float[] x(int floats) {
            if (x.length < floats) x = new float[floats];
            return x;
        }

        private ByteBuffer pending(int bytes) {
            if (pending.capacity() < bytes) pending = ByteBuffer.allocate(bytes);
            pending.clear().limit(bytes);
            return pending.order(ByteOrder.LITTLE_ENDIAN);
        }

        private byte[] y(int i, int bytes) {
            if (y[i].length < bytes) y[i] = new byte[bytes];
            return y[i];
        }

        @Override
        public void close() {
            writer.shutdownNow();
        }
    }

    private final String name;
    private final GgmlType sourceType;
    private final int n;
    private final long rowsPerExpert;
    private final float[] importance;
    private final WritableByteChannel out;
    private final Scratch scratch;
    private final BlockQuantizer quantizer;
    private final BlockQuantizer sourceBlocks;
    private final int srcRowBytes;
    private final int dstRowBytes;
    private final int slabRows;
    private final ByteBuffer pending;
    private final float[] x;
    private final long totalRows;
    private long rowsDone;
    private int current;
    private Future<?> writing;

    QuantizingChannel(String name, GgmlType sourceType, GgmlType target, long[] dims, float[] importance,
            WritableByteChannel out, Scratch scratch) {
        this.name = name;
        this.sourceType = sourceType;
        this.n = Math.toIntExact(dims[0]);
        long elements = 1;
        for (long d : dims) elements *= d;
        this.totalRows = elements / n;
        this.rowsPerExpert = dims.length > 1 ? dims[1] : totalRows;
        this.importance = importance;
        this.out = out;
        this.scratch = scratch;
        this.quantizer = target == GgmlType.F16 ? null : BlockQuantizer.of(target);
        this.sourceBlocks = sourceType.isQuantized() ? BlockQuantizer.of(sourceType) : null;
        this.srcRowBytes = Math.toIntExact(sourceType.byteSize(n));
        this.dstRowBytes = Math.toIntExact(target.byteSize(n));
        this.slabRows = (int) Math.max(1, Math.min(totalRows, SLAB_FLOATS / n));
        this.pending = scratch.pending(slabRows * srcRowBytes);
        this.x = scratch.x(slabRows * n);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        int written = src.remaining();
        while (src.hasRemaining()) {
            if (pending.position() == 0 && src.remaining() >= srcRowBytes) {
                int rows = Math.min(slabRows, src.remaining() / srcRowBytes);
                int len = rows * srcRowBytes;
                ByteBuffer whole = src.slice(src.position(), len).order(ByteOrder.LITTLE_ENDIAN);
                src.position(src.position() + len);
                encode(whole, rows);
            } else {
                // a row cut by the end of a source buffer: complete it in pending, then go back to direct reads
                int need = srcRowBytes - pending.position() % srcRowBytes;
                int k = Math.min(src.remaining(), need);
                pending.put(src.slice(src.position(), k));
                src.position(src.position() + k);
                if (pending.position() % srcRowBytes == 0) flushPending();
            }
        }
        return written;
    }

    /** Encodes what is left and waits until it is written; fails if the source did not deliver whole rows. */
    void finish() throws IOException {
        if (pending.position() % srcRowBytes != 0) {
            throw new SmeltException("tensor \"" + name + "\": source ended inside a row");
        }
        flushPending();
        awaitWrite();
        if (rowsDone != totalRows) {
            throw new SmeltException("tensor \"" + name + "\": source delivered " + rowsDone + " rows, expected " + totalRows);
        }
    }

    private void flushPending() throws IOException {
        int rows = pending.position() / srcRowBytes;
        if (rows == 0) return;
        encode(pending.duplicate().flip().order(ByteOrder.LITTLE_ENDIAN), rows);
        pending.clear();
    }

    /** Decodes and quantizes {@code rows} whole rows starting at {@code src}'s position, then hands them to the writer. */
    private void encode(ByteBuffer src, int rows) throws IOException {
        if (rowsDone + rows > totalRows) {
            throw new SmeltException("tensor \"" + name + "\": source delivered more than " + totalRows + " rows");
        }
        byte[] y = scratch.y(current, rows * dstRowBytes);
        long base = rowsDone;
        int at = src.position();
        parallel(rows, (a, b) -> {
            decode(src, at, a, b);
            for (int r = a; r < b; r++) encodeRow(r, base + r, y);
        });
        rowsDone += rows;
        awaitWrite();
        ByteBuffer done = ByteBuffer.wrap(y, 0, rows * dstRowBytes);
        writing = scratch.writer.submit(() -> {
            while (done.hasRemaining()) out.write(done);
            return null;
        });
        current ^= 1;
    }

    private void awaitWrite() throws IOException {
        if (writing == null) return;
        Future<?> w = writing;
        writing = null;
        await(w);
    }

    /** Rows [a, b) of the slab at {@code src}'s offset {@code at} into {@code x}. */
    private void decode(ByteBuffer src, int at, int a, int b) {
        int from = at + a * srcRowBytes;
        int count = (b - a) * n;
        switch (sourceType) {
            case F32 -> src.slice(from, (b - a) * srcRowBytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(x, a * n, count);
            case F16 -> {
                for (int i = 0; i < count; i++) x[a * n + i] = Fp16.toFloat(src.getShort(from + 2 * i));
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) x[a * n + i] = Float.intBitsToFloat((src.getShort(from + 2 * i) & 0xFFFF) << 16);
            }
            default -> {
                byte[] row = new byte[srcRowBytes];
                for (int r = a; r < b; r++) {
                    src.get(at + r * srcRowBytes, row);
                    sourceBlocks.dequantizeRow(row, 0, x, r * n, n);
                }
            }
        }
    }

    private void encodeRow(int r, long globalRow, byte[] y) {
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
        int t = Math.max(1, Math.min(rows, scratch.threads));
        if (t == 1) {
            task.run(0, rows);
            return;
        }
        List<Future<?>> futures = new ArrayList<>(t);
        for (int i = 0; i < t; i++) {
            int a = (int) ((long) rows * i / t);
            int b = (int) ((long) rows * (i + 1) / t);
            futures.add(scratch.pool.submit(() -> task.run(a, b)));
        }
        for (Future<?> f : futures) await(f);
    }

    private void await(Future<?> f) throws IOException {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while quantizing " + name);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            if (e.getCause() instanceof IOException io) throw io;
            if (e.getCause() instanceof Error err) throw err;
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

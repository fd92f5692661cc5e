package dev.smelt.converter.gguf;

import dev.smelt.converter.gguf.vocab.GgufKeys;
import dev.smelt.core.SmeltException;
import dev.smelt.core.io.AtomicFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes GGUF v3 files in one pass: header, metadata and tensor infos first (their offsets are computed from
 * the declared sizes), then each tensor's data pulled from its {@link GgufTensor} callback and padded to the
 * alignment. Heap use is the metadata plus whatever one tensor callback buffers, independent of model size.
 * The file appears atomically (temp file, fsync, rename); if the JVM is stopped mid-write (Ctrl-C) the
 * temp file is removed by a shutdown hook, so no partial output remains.
 */
public final class GgufWriter {
    private GgufWriter() {}

    /** Receives progress while tensor data is written. */
    public interface Listener {
        Listener NONE = new Listener() {};

        /** Called before tensor {@code index} (0-based) of {@code count} is written. */
        default void tensorStarted(int index, int count, GgufTensor tensor) {}

        /** Total data bytes written so far, out of {@code total}. */
        default void bytesWritten(long done, long total) {}
    }

    public static void write(Path target, Map<String, GgufValue> metadata, List<? extends GgufTensor> tensors)
            throws IOException {
        write(target, metadata, tensors, Listener.NONE);
    }

    public static void write(Path target, Map<String, GgufValue> metadata, List<? extends GgufTensor> tensors,
            Listener listener) throws IOException {
        long alignment = alignmentOf(metadata);
        long[] offsets = new long[tensors.size()];
        long dataSize = layout(tensors, alignment, offsets);
        byte[] header = encodeHeader(metadata, tensors, offsets, alignment);
        // a stopped conversion (SIGTERM, Ctrl-C) leaves nothing; a killed one leaves a temp that the next run removes
        AtomicFiles.writeDiscardingOnExit(target, ch -> writeBody(ch, header, tensors, offsets, alignment, dataSize, listener));
    }

    /**
     * Bytes of the file {@link #write} produces for tensors of these names, dims and types (their offsets are
     * ignored: tensors are laid out in list order, each padded to the alignment), without producing any data.
     */
    public static long fileSize(Map<String, GgufValue> metadata, List<GgufTensorInfo> tensors) {
        long alignment = alignmentOf(metadata);
        List<GgufTensorInfo> placed = new java.util.ArrayList<>(tensors.size());
        long off = 0;
        for (GgufTensorInfo t : tensors) {
            placed.add(new GgufTensorInfo(t.name(), t.dims(), t.type(), off));
            off = GgufFormat.align(off + t.byteSize(), alignment);
        }
        return header(metadata, placed).length + off;
    }

    /**
     * The header (magic through tensor infos, padded to the alignment) of a file whose tensors sit at the data
     * offsets {@code tensors} record. With the alignment unchanged, an existing file's data region can follow it
     * byte for byte: this is how metadata is rewritten without touching tensor data.
     */
    public static byte[] header(Map<String, GgufValue> metadata, List<GgufTensorInfo> tensors) {
        long alignment = alignmentOf(metadata);
        long[] offsets = new long[tensors.size()];
        List<GgufTensor> views = new java.util.ArrayList<>(tensors.size());
        for (int i = 0; i < tensors.size(); i++) {
            GgufTensorInfo t = tensors.get(i);
            if (t.offset() % alignment != 0) {
                throw new SmeltException("tensor \"" + t.name() + "\" at data offset " + t.offset()
                        + " is not aligned to " + alignment);
            }
            offsets[i] = t.offset();
            views.add(new GgufTensor() {
                public String name() { return t.name(); }
                public long[] dims() { return t.dims(); }
                public GgmlType type() { return t.type(); }
                public void writeTo(WritableByteChannel out) { throw new UnsupportedOperationException("header only"); }
            });
        }
        return encodeHeader(metadata, views, offsets, alignment);
    }

    private static void writeBody(FileChannel ch, byte[] header, List<? extends GgufTensor> tensors, long[] offsets,
            long alignment, long dataSize, Listener listener) throws IOException {
        writeAll(ch, ByteBuffer.wrap(header));
        long dataStart = ch.position();
        Progress progress = new Progress(listener, dataSize);
        for (int i = 0; i < tensors.size(); i++) {
            GgufTensor t = tensors.get(i);
            listener.tensorStarted(i, tensors.size(), t);
            if (Thread.currentThread().isInterrupted()) throw new InterruptedIOException("interrupted");
            long expected = t.byteSize();
            long before = ch.position();
            if (before - dataStart != offsets[i]) {
                throw new IllegalStateException("tensor " + t.name() + " at data offset " + (before - dataStart)
                        + ", planned " + offsets[i]);
            }
            t.writeTo(new BoundedChannel(ch, t.name(), expected, progress));
            long written = ch.position() - before;
            if (written != expected) {
                throw new SmeltException("tensor \"" + t.name() + "\": source wrote " + written + " bytes, expected "
                        + expected + " (" + t.type() + " " + Arrays.toString(t.dims()) + ")");
            }
            long pad = GgufFormat.align(written, alignment) - written;
            if (pad > 0) writeAll(ch, ByteBuffer.allocate((int) pad));
        }
    }

    static long alignmentOf(Map<String, GgufValue> metadata) {
        GgufValue a = metadata.get(GgufKeys.General.ALIGNMENT);
        if (a == null) return GgufFormat.DEFAULT_ALIGNMENT;
        if (!(a instanceof GgufValue.UInt32 u)) {
            throw new SmeltException(GgufKeys.General.ALIGNMENT + " must be a uint32, got " + a.type());
        }
        if (!GgufFormat.isValidAlignment(u.value())) {
            throw new SmeltException(GgufKeys.General.ALIGNMENT + " must be a power of two, got " + u.value());
        }
        return u.value();
    }

    /** Fills data-relative offsets and returns the data section size (each tensor padded to alignment). */
    static long layout(List<? extends GgufTensor> tensors, long alignment, long[] offsets) {
        Set<String> names = new HashSet<>();
        long off = 0;
        for (int i = 0; i < tensors.size(); i++) {
            GgufTensor t = tensors.get(i);
            validateTensor(t);
            if (!names.add(t.name())) throw new SmeltException("duplicate tensor name \"" + t.name() + "\"");
            offsets[i] = off;
            off = GgufFormat.align(off + t.byteSize(), alignment);
        }
        return off;
    }

    private static void validateTensor(GgufTensor t) {
        String name = t.name();
        int nameBytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (nameBytes == 0 || nameBytes > GgufFormat.MAX_TENSOR_NAME_BYTES) {
            throw new SmeltException("tensor name \"" + name + "\" is " + nameBytes + " bytes; GGUF allows 1.."
                    + GgufFormat.MAX_TENSOR_NAME_BYTES);
        }
        long[] dims = t.dims();
        if (dims.length < 1 || dims.length > GgufFormat.MAX_DIMS) {
            throw new SmeltException("tensor \"" + name + "\" has " + dims.length + " dims; GGUF allows 1.." + GgufFormat.MAX_DIMS);
        }
        for (long d : dims) {
            if (d < 0) throw new SmeltException("tensor \"" + name + "\" has a negative dimension " + d);
        }
        if (dims[0] % t.type().blockSize() != 0) {
            throw new SmeltException("tensor \"" + name + "\": row length " + dims[0] + " is not a multiple of the "
                    + t.type() + " block size " + t.type().blockSize());
        }
    }

    static byte[] encodeHeader(Map<String, GgufValue> metadata, List<? extends GgufTensor> tensors, long[] offsets,
            long alignment) {
        LeOut out = new LeOut();
        out.u32(GgufFormat.MAGIC);
        out.u32(GgufFormat.VERSION);
        out.u64(tensors.size());
        out.u64(metadata.size());
        for (Map.Entry<String, GgufValue> e : metadata.entrySet()) {
            validateKey(e.getKey());
            out.string(e.getKey());
            out.u32(e.getValue().type().id());
            writeValue(out, e.getValue(), e.getKey());
        }
        for (int i = 0; i < tensors.size(); i++) {
            GgufTensor t = tensors.get(i);
            out.string(t.name());
            long[] dims = t.dims();
            out.u32(dims.length);
            for (long d : dims) out.u64(d);
            out.u32(t.type().id());
            out.u64(offsets[i]);
        }
        int pad = (int) (GgufFormat.align(out.size(), alignment) - out.size());
        for (int i = 0; i < pad; i++) out.u8(0);
        return out.toByteArray();
    }

    private static void validateKey(String key) {
        if (key.isEmpty() || key.length() > GgufFormat.MAX_KEY_BYTES || !key.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new SmeltException("invalid GGUF metadata key \"" + key + "\" (expected 1..65535 printable ASCII characters)");
        }
    }

    private static void writeValue(LeOut out, GgufValue v, String key) {
        if (v instanceof GgufValue.UInt8 x) out.u8(x.value());
        else if (v instanceof GgufValue.Int8 x) out.u8(x.value());
        else if (v instanceof GgufValue.UInt16 x) out.u16(x.value());
        else if (v instanceof GgufValue.Int16 x) out.u16(x.value());
        else if (v instanceof GgufValue.UInt32 x) out.u32((int) x.value());
        else if (v instanceof GgufValue.Int32 x) out.u32(x.value());
        else if (v instanceof GgufValue.Float32 x) out.u32(Float.floatToRawIntBits(x.value()));
        else if (v instanceof GgufValue.Bool x) out.u8(x.value() ? 1 : 0);
        else if (v instanceof GgufValue.Str x) out.string(x.value());
        else if (v instanceof GgufValue.UInt64 x) out.u64(x.value());
        else if (v instanceof GgufValue.Int64 x) out.u64(x.value());
        else if (v instanceof GgufValue.Float64 x) out.u64(Double.doubleToRawLongBits(x.value()));
        else if (v instanceof GgufValue.Array a) {
            out.u32(a.elementType().id());
            out.u64(a.size());
            // a nested array element is encoded exactly like a top-level array value: type, count, items
            for (GgufValue e : a.values()) writeValue(out, e, key);
        } else throw new IllegalStateException("unhandled value " + v);
    }

    private static void writeAll(WritableByteChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    private static final class Progress {
        private final Listener listener;
        private final long total;
        private long done;
        private long lastReported = -1;

        Progress(Listener listener, long total) {
            this.listener = listener;
            this.total = total;
        }

        void add(long n) {
            done += n;
            if (done - lastReported >= (1 << 24) || done == total) {
                lastReported = done;
                listener.bytesWritten(done, total);
            }
        }
    }

    /** Passes bytes through while refusing to let one tensor write more than it declared. */
    private static final class BoundedChannel implements WritableByteChannel {
        private final FileChannel ch;
        private final String name;
        private final long limit;
        private final Progress progress;
        private long written;

        BoundedChannel(FileChannel ch, String name, long limit, Progress progress) {
            this.ch = ch;
            this.name = name;
            this.limit = limit;
            this.progress = progress;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            if (written + src.remaining() > limit) {
                throw new SmeltException("tensor \"" + name + "\": source wrote more than the declared " + limit + " bytes");
            }
            int n = 0;
            while (src.hasRemaining()) n += ch.write(src);
            written += n;
            progress.add(n);
            return n;
        }

        @Override
        public boolean isOpen() {
            return ch.isOpen();
        }

        @Override
        public void close() {}
    }

    /** Little-endian byte sink for the header. */
    static final class LeOut {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 16);
        private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

        void u8(int v) {
            bytes.write(v & 0xff);
        }

        void u16(int v) {
            scratch.clear();
            scratch.putShort((short) v);
            bytes.write(scratch.array(), 0, 2);
        }

        void u32(int v) {
            scratch.clear();
            scratch.putInt(v);
            bytes.write(scratch.array(), 0, 4);
        }

        void u64(long v) {
            scratch.clear();
            scratch.putLong(v);
            bytes.write(scratch.array(), 0, 8);
        }

        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            bytes.write(b, 0, b.length);
        }

        int size() {
            return bytes.size();
        }

        byte[] toByteArray() {
            return bytes.toByteArray();
        }
    }
}

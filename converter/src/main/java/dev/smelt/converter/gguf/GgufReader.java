package dev.smelt.converter.gguf;

import dev.smelt.converter.gguf.vocab.GgufKeys;
import dev.smelt.core.SmeltException;
import dev.smelt.core.safetensors.DType;
import dev.smelt.core.safetensors.Floats;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A GGUF file (version 2 or 3, little-endian) opened for reading. Header, metadata and tensor infos are
 * parsed and validated on open (magic, version, every length against the file size, types, dims, alignment
 * and data ranges); tensor data is memory-mapped on demand, one tensor or window at a time.
 */
public final class GgufReader implements Closeable {
    private static final int MAX_ARRAY_NESTING = 8;

    private final Path path;
    private final FileChannel channel;
    private final int version;
    private final Map<String, GgufValue> metadata;
    private final List<GgufTensorInfo> tensors;
    private final Map<String, GgufTensorInfo> byName;
    private final long alignment;
    private final long dataStart;
    private final long fileSize;

    private GgufReader(Path path, FileChannel channel, int version, Map<String, GgufValue> metadata,
            List<GgufTensorInfo> tensors, long alignment, long dataStart, long fileSize) {
        this.path = path;
        this.channel = channel;
        this.version = version;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensors = List.copyOf(tensors);
        Map<String, GgufTensorInfo> m = new LinkedHashMap<>();
        for (GgufTensorInfo t : tensors) m.put(t.name(), t);
        this.byName = Collections.unmodifiableMap(m);
        this.alignment = alignment;
        this.dataStart = dataStart;
        this.fileSize = fileSize;
    }

    public static GgufReader open(Path path) {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new SmeltException(path + ": no such file");
        } catch (IOException e) {
            throw new SmeltException(path + ": cannot open: " + e.getMessage(), e);
        }
        try {
            return parse(path, ch);
        } catch (RuntimeException e) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // already failing
            }
            throw e;
        }
    }

    private static GgufReader parse(Path path, FileChannel ch) {
        long fileSize;
        try {
            fileSize = ch.size();
        } catch (IOException e) {
            throw new SmeltException(path + ": cannot read: " + e.getMessage(), e);
        }
        Cursor in = new Cursor(path, ch, fileSize);
        if (fileSize < 24) {
            if (fileSize >= 4 && in.peekMagic() != GgufFormat.MAGIC) throw badMagic(path, in);
            throw new SmeltException(path + ": not a GGUF file (" + fileSize + " bytes, shorter than the 24-byte header)");
        }
        int magic = in.u32("magic");
        if (magic != GgufFormat.MAGIC) throw badMagic(path, in);
        int version = in.u32("version");
        if (version != 2 && version != 3) {
            if ((version & 0xffff) == 0 && (Integer.reverseBytes(version) == 2 || Integer.reverseBytes(version) == 3)) {
                throw new SmeltException(path + ": big-endian GGUF files are not supported");
            }
            throw new SmeltException(path + ": unsupported GGUF version " + Integer.toUnsignedString(version)
                    + " (expected 2 or 3)");
        }
        long tensorCount = in.u64("tensor_count");
        long kvCount = in.u64("metadata_kv_count");
        // every KV needs at least 8 (key length) + 4 (type) + 1 bytes, every tensor info at least 8+4+8+4+8
        if (kvCount < 0 || kvCount > fileSize / 13) {
            throw new SmeltException(path + ": header claims " + Long.toUnsignedString(kvCount)
                    + " metadata entries, impossible for a " + fileSize + "-byte file");
        }
        if (tensorCount < 0 || tensorCount > fileSize / 32) {
            throw new SmeltException(path + ": header claims " + Long.toUnsignedString(tensorCount)
                    + " tensors, impossible for a " + fileSize + "-byte file");
        }
        Map<String, GgufValue> metadata = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = in.string("metadata key #" + i, true);
            int typeId = in.u32("type of metadata \"" + key + "\"");
            GgufValueType type = GgufValueType.ofIdOrNull(Integer.toUnsignedLong(typeId));
            if (type == null) {
                throw new SmeltException(path + ": metadata \"" + key + "\" has unknown value type " + Integer.toUnsignedString(typeId));
            }
            GgufValue value = readValue(in, type, key, 0);
            if (metadata.put(key, value) != null) {
                throw new SmeltException(path + ": duplicate metadata key \"" + key + "\"");
            }
        }
        long alignment = GgufFormat.DEFAULT_ALIGNMENT;
        GgufValue a = metadata.get(GgufKeys.General.ALIGNMENT);
        if (a != null) {
            if (!(a instanceof GgufValue.UInt32 u) || !GgufFormat.isValidAlignment(u.value())) {
                throw new SmeltException(path + ": " + GgufKeys.General.ALIGNMENT + " must be a uint32 power of two, got "
                        + a.type() + " " + a.display(4));
            }
            alignment = u.value();
        }
        List<GgufTensorInfo> tensors = new ArrayList<>();
        Map<String, Boolean> seen = new LinkedHashMap<>();
        for (long i = 0; i < tensorCount; i++) {
            String name = in.string("tensor info #" + i + " name", false);
            if (seen.put(name, Boolean.TRUE) != null) throw new SmeltException(path + ": duplicate tensor name \"" + name + "\"");
            int nDims = in.u32("n_dims of tensor \"" + name + "\"");
            if (nDims < 1 || nDims > GgufFormat.MAX_DIMS) {
                throw new SmeltException(path + ": tensor \"" + name + "\" has " + Integer.toUnsignedString(nDims)
                        + " dims (expected 1.." + GgufFormat.MAX_DIMS + ")");
            }
            long[] dims = new long[nDims];
            for (int d = 0; d < nDims; d++) {
                dims[d] = in.u64("dim " + d + " of tensor \"" + name + "\"");
                if (dims[d] < 0) throw new SmeltException(path + ": tensor \"" + name + "\" dim " + d + " is negative");
            }
            int typeId = in.u32("type of tensor \"" + name + "\"");
            GgmlType type = GgmlType.ofIdOrNull(Integer.toUnsignedLong(typeId));
            if (type == null) {
                throw new SmeltException(path + ": tensor \"" + name + "\" has unknown ggml type id " + Integer.toUnsignedString(typeId));
            }
            long offset = in.u64("offset of tensor \"" + name + "\"");
            if (dims[0] % type.blockSize() != 0) {
                throw new SmeltException(path + ": tensor \"" + name + "\" row length " + dims[0]
                        + " is not a multiple of the " + type + " block size " + type.blockSize());
            }
            long elements;
            try {
                elements = 1;
                for (long d : dims) elements = Math.multiplyExact(elements, d);
                type.byteSize(elements);
            } catch (ArithmeticException e) {
                throw new SmeltException(path + ": tensor \"" + name + "\" is too large (dims overflow)");
            }
            if (offset < 0 || offset % alignment != 0) {
                throw new SmeltException(path + ": tensor \"" + name + "\" offset " + Long.toUnsignedString(offset)
                        + " is not a multiple of the alignment " + alignment);
            }
            tensors.add(new GgufTensorInfo(name, dims, type, offset));
        }
        long dataStart = GgufFormat.align(in.position(), alignment);
        checkDataRanges(path, tensors, dataStart, fileSize);
        return new GgufReader(path, ch, version, metadata, tensors, alignment, dataStart, fileSize);
    }

    private static SmeltException badMagic(Path path, Cursor in) {
        int m = in.peekMagic();
        byte[] b = {(byte) m, (byte) (m >>> 8), (byte) (m >>> 16), (byte) (m >>> 24)};
        StringBuilder hex = new StringBuilder();
        for (byte x : b) hex.append(String.format("%02x", x));
        return new SmeltException(path + ": not a GGUF file (magic bytes " + hex + ", expected 47475546 \"GGUF\")");
    }

    private static void checkDataRanges(Path path, List<GgufTensorInfo> tensors, long dataStart, long fileSize) {
        List<GgufTensorInfo> sorted = new ArrayList<>(tensors);
        sorted.sort(Comparator.comparingLong(GgufTensorInfo::offset));
        long prevEnd = 0;
        String prevName = null;
        for (GgufTensorInfo t : sorted) {
            long end = dataStart + t.offset() + t.byteSize();
            if (end > fileSize || end < 0) {
                throw new SmeltException(path + ": file is truncated: tensor \"" + t.name() + "\" needs bytes up to "
                        + end + " but the file has " + fileSize);
            }
            if (prevName != null && t.offset() < prevEnd) {
                throw new SmeltException(path + ": tensors \"" + prevName + "\" and \"" + t.name() + "\" overlap");
            }
            prevEnd = t.offset() + t.byteSize();
            prevName = t.name();
        }
    }

    private static GgufValue readValue(Cursor in, GgufValueType type, String key, int depth) {
        String what = "value of metadata \"" + key + "\"";
        return switch (type) {
            case UINT8 -> new GgufValue.UInt8(in.u8(what));
            case INT8 -> new GgufValue.Int8((byte) in.u8(what));
            case UINT16 -> new GgufValue.UInt16(in.u16(what));
            case INT16 -> new GgufValue.Int16((short) in.u16(what));
            case UINT32 -> new GgufValue.UInt32(Integer.toUnsignedLong(in.u32(what)));
            case INT32 -> new GgufValue.Int32(in.u32(what));
            case FLOAT32 -> new GgufValue.Float32(Float.intBitsToFloat(in.u32(what)));
            case BOOL -> {
                int b = in.u8(what);
                if (b > 1) throw new SmeltException(in.path + ": metadata \"" + key + "\" bool has value " + b + " (expected 0 or 1)");
                yield new GgufValue.Bool(b == 1);
            }
            case STRING -> new GgufValue.Str(in.string(what, false));
            case UINT64 -> new GgufValue.UInt64(in.u64(what));
            case INT64 -> new GgufValue.Int64(in.u64(what));
            case FLOAT64 -> new GgufValue.Float64(Double.longBitsToDouble(in.u64(what)));
            case ARRAY -> {
                if (depth >= MAX_ARRAY_NESTING) throw new SmeltException(in.path + ": metadata \"" + key + "\" nests arrays too deeply");
                int elemId = in.u32("array element type of metadata \"" + key + "\"");
                GgufValueType elem = GgufValueType.ofIdOrNull(Integer.toUnsignedLong(elemId));
                if (elem == null) {
                    throw new SmeltException(in.path + ": metadata \"" + key + "\" is an array of unknown type "
                            + Integer.toUnsignedString(elemId));
                }
                long count = in.u64("array length of metadata \"" + key + "\"");
                long minElem = elem.fixedSize() > 0 ? elem.fixedSize() : (elem == GgufValueType.STRING ? 8 : 12);
                if (count < 0 || count > (in.remaining() / minElem)) {
                    throw new SmeltException(in.path + ": file is truncated: metadata \"" + key + "\" declares "
                            + Long.toUnsignedString(count) + " array items, more than the remaining bytes can hold");
                }
                List<GgufValue> items = new ArrayList<>((int) Math.min(count, 1 << 16));
                for (long i = 0; i < count; i++) items.add(readValue(in, elem, key, depth + 1));
                yield new GgufValue.Array(elem, items);
            }
        };
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    /** Metadata in file order. */
    public Map<String, GgufValue> metadata() {
        return metadata;
    }

    /** Tensor infos in file order. */
    public List<GgufTensorInfo> tensors() {
        return tensors;
    }

    public Optional<GgufTensorInfo> findTensor(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public GgufTensorInfo tensor(String name) {
        GgufTensorInfo t = byName.get(name);
        if (t == null) throw new SmeltException(path + ": no tensor named \"" + name + "\"");
        return t;
    }

    public long alignment() {
        return alignment;
    }

    /** Absolute file offset of the tensor data section. */
    public long dataStart() {
        return dataStart;
    }

    public long fileSize() {
        return fileSize;
    }

    /** {@code general.architecture}, or null when absent. */
    public String architecture() {
        return metadata.get(GgufKeys.General.ARCHITECTURE) instanceof GgufValue.Str s ? s.value() : null;
    }

    public Optional<String> string(String key) {
        GgufValue v = metadata.get(key);
        if (v == null) return Optional.empty();
        if (v instanceof GgufValue.Str s) return Optional.of(s.value());
        throw new SmeltException(path + ": metadata \"" + key + "\" is " + v.type() + ", expected STRING");
    }

    /** An integer metadata value of any integer type. */
    public Optional<Long> integer(String key) {
        GgufValue v = metadata.get(key);
        if (v == null) return Optional.empty();
        try {
            return Optional.of(v.asLong());
        } catch (IllegalStateException e) {
            throw new SmeltException(path + ": metadata \"" + key + "\" is " + v.type() + ", expected an integer");
        }
    }

    /** Maps {@code length} bytes of a tensor's data starting {@code offset} bytes into it. */
    public ByteBuffer window(String name, long offset, long length) {
        GgufTensorInfo t = tensor(name);
        if (offset < 0 || length < 0 || offset + length > t.byteSize() || length > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("window " + offset + "+" + length + " outside tensor " + name);
        }
        if (length == 0) return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN);
        try {
            return channel.map(FileChannel.MapMode.READ_ONLY, dataStart + t.offset() + offset, length)
                    .order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new SmeltException(path + ": cannot map tensor \"" + name + "\": " + e.getMessage(), e);
        }
    }

    /** Read-only little-endian mapping of a whole tensor (at most 2 GiB; use {@link #window} beyond). */
    public ByteBuffer bytes(String name) {
        GgufTensorInfo t = tensor(name);
        if (t.byteSize() > Integer.MAX_VALUE) {
            throw new SmeltException(path + ": tensor \"" + name + "\" is " + t.byteSize() + " bytes; read it in windows");
        }
        return window(name, 0, t.byteSize());
    }

    /** A F32, F16 or BF16 tensor widened to floats on the heap (tests, small tensors). */
    public float[] floats(String name) {
        GgufTensorInfo t = tensor(name);
        int n = Math.toIntExact(t.numElements());
        ByteBuffer b = bytes(name);
        return switch (t.type()) {
            case F32 -> Floats.toFloats(b, DType.F32, n);
            case F16 -> Floats.toFloats(b, DType.F16, n);
            case BF16 -> Floats.toFloats(b, DType.BF16, n);
            case F64 -> Floats.toFloats(b, DType.F64, n);
            default -> throw new SmeltException(path + ": tensor \"" + name + "\" is " + t.type()
                    + "; only F32, F16, BF16 and F64 tensors can be read as floats here");
        };
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing to recover
        }
    }

    /** Sequential little-endian reader over the file with a small buffer and bounds checks. */
    private static final class Cursor {
        private final Path path;
        private final FileChannel ch;
        private final long size;
        private final ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        private long bufStart; // file offset of buf[0]

        Cursor(Path path, FileChannel ch, long size) {
            this.path = path;
            this.ch = ch;
            this.size = size;
            buf.limit(0);
        }

        long position() {
            return bufStart + buf.position();
        }

        long remaining() {
            return size - position();
        }

        int peekMagic() {
            ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            try {
                ch.read(b, 0);
            } catch (IOException e) {
                throw new SmeltException(path + ": cannot read: " + e.getMessage(), e);
            }
            return b.getInt(0);
        }

        private void need(int n, String what) {
            if (buf.remaining() >= n) return;
            if (remaining() < n) {
                throw new SmeltException(path + ": file is truncated while reading " + what + " at byte " + position()
                        + " (file has " + size + " bytes)");
            }
            long pos = position();
            buf.clear();
            bufStart = pos;
            try {
                while (buf.position() < n) {
                    int r = ch.read(buf, bufStart + buf.position());
                    if (r < 0) break;
                }
            } catch (IOException e) {
                throw new SmeltException(path + ": cannot read: " + e.getMessage(), e);
            }
            buf.flip();
            if (buf.remaining() < n) {
                throw new SmeltException(path + ": file is truncated while reading " + what + " at byte " + pos);
            }
        }

        int u8(String what) {
            need(1, what);
            return buf.get() & 0xff;
        }

        int u16(String what) {
            need(2, what);
            return buf.getShort() & 0xffff;
        }

        int u32(String what) {
            need(4, what);
            return buf.getInt();
        }

        long u64(String what) {
            need(8, what);
            return buf.getLong();
        }

        String string(String what, boolean strict) {
            long len = u64(what + " length");
            if (len < 0 || len > remaining()) {
                throw new SmeltException(path + ": file is truncated or corrupt: " + what + " declares "
                        + Long.toUnsignedString(len) + " bytes at byte " + position() + " but only " + remaining() + " remain");
            }
            if (len > Integer.MAX_VALUE - 8) {
                throw new SmeltException(path + ": " + what + " is " + len + " bytes, longer than this reader supports");
            }
            byte[] bytes = new byte[(int) len];
            int off = 0;
            while (off < bytes.length) {
                if (!buf.hasRemaining()) need(Math.min(buf.capacity(), bytes.length - off), what);
                int n = Math.min(buf.remaining(), bytes.length - off);
                buf.get(bytes, off, n);
                off += n;
            }
            if (!strict) return new String(bytes, StandardCharsets.UTF_8);
            try {
                return StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                throw new SmeltException(path + ": " + what + " is not valid UTF-8");
            }
        }
    }
}

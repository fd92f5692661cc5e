package dev.smelt.core.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smelt.core.SmeltException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
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
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One memory-mapped safetensors file. The header is parsed and validated on open; tensor data is
 * mapped lazily, one tensor (or one window of a tensor) at a time, so files larger than 2 GiB and
 * tensors larger than 2 GiB are both readable without holding them on the heap.
 */
public final class SafetensorsFile implements Closeable {
    /** Largest header accepted; the reference implementation uses the same bound. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, String> metadata;
    private final Map<String, TensorInfo> tensors; // in data-offset order

    private SafetensorsFile(Path path, FileChannel channel, long dataStart, Map<String, String> metadata,
            Map<String, TensorInfo> tensors) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.metadata = metadata;
        this.tensors = tensors;
    }

    public static SafetensorsFile open(Path path) {
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
            closeQuietly(ch);
            throw e;
        }
    }

    private static SafetensorsFile parse(Path path, FileChannel ch) {
        try {
            long fileSize = ch.size();
            if (fileSize < 8) {
                throw bad(path, "file is " + fileSize + " bytes, too short for the 8-byte header length");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen < 0 || headerLen > MAX_HEADER_BYTES) {
                throw bad(path, "header length " + Long.toUnsignedString(headerLen) + " exceeds the 100 MB limit");
            }
            if (headerLen > fileSize - 8) {
                throw bad(path, "header length " + headerLen + " is larger than the file (" + fileSize + " bytes)");
            }
            ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
            readFully(ch, headerBuf, 8);
            headerBuf.flip();
            String header;
            try {
                CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(headerBuf);
                header = chars.toString();
            } catch (CharacterCodingException e) {
                throw bad(path, "header is not valid UTF-8");
            }
            JsonNode root;
            try {
                root = JSON.readTree(header);
            } catch (IOException e) {
                String msg = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
                if (msg.startsWith("Duplicate field")) {
                    throw bad(path, "duplicate tensor name in header: " + msg.replaceFirst("^Duplicate field ", ""));
                }
                throw bad(path, "header is not valid JSON: " + msg);
            }
            if (root == null || !root.isObject()) {
                throw bad(path, "header is not a JSON object");
            }
            long dataStart = 8 + headerLen;
            long dataSize = fileSize - dataStart;
            Map<String, String> metadata = new LinkedHashMap<>();
            List<TensorInfo> infos = new ArrayList<>();
            Iterator<Map.Entry<String, JsonNode>> it = root.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                String name = e.getKey();
                JsonNode v = e.getValue();
                if (name.equals("__metadata__")) {
                    if (!v.isObject()) throw bad(path, "__metadata__ must be an object of strings");
                    v.fields().forEachRemaining(m -> {
                        if (!m.getValue().isTextual()) {
                            throw bad(path, "__metadata__." + m.getKey() + " must be a string");
                        }
                        metadata.put(m.getKey(), m.getValue().asText());
                    });
                    continue;
                }
                infos.add(parseEntry(path, name, v, dataSize));
            }
            checkOverlaps(path, infos);
            infos.sort(Comparator.comparingLong(TensorInfo::begin));
            Map<String, TensorInfo> byName = new LinkedHashMap<>();
            for (TensorInfo t : infos) byName.put(t.name(), t);
            return new SafetensorsFile(path, ch, dataStart, Collections.unmodifiableMap(metadata),
                    Collections.unmodifiableMap(byName));
        } catch (IOException e) {
            throw new SmeltException(path + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static TensorInfo parseEntry(Path path, String name, JsonNode v, long dataSize) {
        if (!v.isObject()) throw bad(path, "tensor \"" + name + "\": entry must be an object");
        JsonNode dtypeNode = v.get("dtype");
        JsonNode shapeNode = v.get("shape");
        JsonNode offsets = v.get("data_offsets");
        if (dtypeNode == null || !dtypeNode.isTextual()) throw bad(path, "tensor \"" + name + "\": missing string field dtype");
        if (shapeNode == null || !shapeNode.isArray()) throw bad(path, "tensor \"" + name + "\": missing array field shape");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2) {
            throw bad(path, "tensor \"" + name + "\": data_offsets must be [begin, end]");
        }
        DType dtype;
        try {
            dtype = DType.parse(dtypeNode.asText());
        } catch (SmeltException e) {
            throw bad(path, "tensor \"" + name + "\": " + e.getMessage());
        }
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                throw bad(path, "tensor \"" + name + "\": shape must hold non-negative integers, got " + shapeNode);
            }
            shape[i] = d.asLong();
        }
        JsonNode b = offsets.get(0);
        JsonNode e = offsets.get(1);
        if (!b.isIntegralNumber() || !e.isIntegralNumber() || b.asLong() < 0 || e.asLong() < b.asLong()) {
            throw bad(path, "tensor \"" + name + "\": data_offsets " + offsets + " must be integers with 0 <= begin <= end");
        }
        long begin = b.asLong();
        long end = e.asLong();
        if (end > dataSize) {
            throw bad(path, "tensor \"" + name + "\": data_offsets " + offsets + " out of range (data section is "
                    + dataSize + " bytes)");
        }
        long expected;
        try {
            expected = Math.multiplyExact(TensorInfo.numElements(shape), dtype.byteSize());
        } catch (ArithmeticException ex) {
            throw bad(path, "tensor \"" + name + "\": shape " + shapeNode + " overflows");
        }
        if (end - begin != expected) {
            throw bad(path, "tensor \"" + name + "\": shape " + shapeNode + " × " + dtype + " needs " + expected
                    + " bytes but data_offsets " + offsets + " span " + (end - begin));
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static void checkOverlaps(Path path, List<TensorInfo> infos) {
        List<TensorInfo> sorted = new ArrayList<>(infos);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        for (int i = 1; i < sorted.size(); i++) {
            TensorInfo prev = sorted.get(i - 1);
            TensorInfo cur = sorted.get(i);
            if (cur.begin() < prev.end()) {
                throw bad(path, "tensors \"" + prev.name() + "\" and \"" + cur.name() + "\" have overlapping data_offsets");
            }
        }
    }

    private static SmeltException bad(Path path, String what) {
        return new SmeltException(path + ": invalid safetensors file: " + what);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) throw new IOException("unexpected end of file");
            pos += n;
        }
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // already failing
        }
    }

    public Path path() {
        return path;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    /** Tensors in the order their data appears in the file. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public TensorInfo info(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) throw new SmeltException(path + ": no tensor named \"" + name + "\"");
        return t;
    }

    /** Absolute file offset of the data section. */
    public long dataStart() {
        return dataStart;
    }

    public long fileSize() {
        try {
            return channel.size();
        } catch (IOException e) {
            throw new SmeltException(path + ": " + e.getMessage(), e);
        }
    }

    /** Read-only little-endian mapping of a tensor's bytes; tensors over 2 GiB must use {@link #window}. */
    public ByteBuffer bytes(String name) {
        TensorInfo t = info(name);
        if (t.byteSize() > Integer.MAX_VALUE) {
            throw new SmeltException(path + ": tensor \"" + name + "\" is " + t.byteSize()
                    + " bytes; read it in windows");
        }
        return window(name, 0, t.byteSize());
    }

    /** Maps {@code length} bytes of a tensor starting at byte {@code offset} within it. */
    public ByteBuffer window(String name, long offset, long length) {
        TensorInfo t = info(name);
        if (offset < 0 || length < 0 || offset + length > t.byteSize() || length > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("window " + offset + "+" + length + " outside tensor " + name);
        }
        if (length == 0) return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN);
        try {
            return channel.map(FileChannel.MapMode.READ_ONLY, dataStart + t.begin() + offset, length)
                    .order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new SmeltException(path + ": cannot map tensor \"" + name + "\": " + e.getMessage(), e);
        }
    }

    /** A tensor widened to float32 on the heap; for small tensors and tests. */
    public float[] floats(String name) {
        TensorInfo t = info(name);
        return Floats.toFloats(bytes(name), t.dtype(), Math.toIntExact(t.numElements()));
    }

    /** Maps the raw header bytes (length prefix + JSON) — used by byte-exact copies. */
    public ByteBuffer rawHeader() {
        try {
            return channel.map(FileChannel.MapMode.READ_ONLY, 0, dataStart).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new SmeltException(path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }
}

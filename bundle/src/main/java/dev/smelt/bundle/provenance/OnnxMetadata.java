package dev.smelt.bundle.provenance;

import dev.smelt.core.SmeltException;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads and encodes ONNX {@code ModelProto.metadata_props} (field 14, repeated {@code StringStringEntryProto}
 * {1: key, 2: value}) by walking the message's top-level fields; every other field is skipped by its wire type,
 * so the walk streams and holds only the metadata entries.
 */
public final class OnnxMetadata {
    static final int METADATA_PROPS = 14;

    private OnnxMetadata() {}

    /** The file's metadata_props (a later entry with the same key wins, as a protobuf map merge would). */
    public static Map<String, String> read(Path onnx) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(onnx), 1 << 16)) {
            while (true) {
                int first = in.read();
                if (first < 0) break;
                long tag = varint(in, first, onnx);
                int field = (int) (tag >>> 3);
                int wire = (int) (tag & 7);
                switch (wire) {
                    case 0 -> varint(in, in.read(), onnx);
                    case 1 -> in.skipNBytes(8);
                    case 5 -> in.skipNBytes(4);
                    case 2 -> {
                        long len = varint(in, in.read(), onnx);
                        if (field == METADATA_PROPS) {
                            if (len > Integer.MAX_VALUE) throw bad(onnx, "metadata_props entry of " + len + " bytes");
                            byte[] entry = in.readNBytes((int) len);
                            if (entry.length != len) throw bad(onnx, "truncated metadata_props entry");
                            parseEntry(entry, onnx, out);
                        } else {
                            in.skipNBytes(len);
                        }
                    }
                    default -> throw bad(onnx, "wire type " + wire + " of field " + field + " is not a ModelProto field");
                }
            }
        } catch (EOFException e) {
            throw bad(onnx, "truncated protobuf message");
        }
        return out;
    }

    /** The bytes that, appended to a serialized ModelProto, add these metadata_props entries. */
    public static byte[] encode(Map<String, String> entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Map.Entry<String, String> e : entries.entrySet()) {
            ByteArrayOutputStream entry = new ByteArrayOutputStream();
            field(entry, 1, e.getKey().getBytes(StandardCharsets.UTF_8));
            field(entry, 2, e.getValue().getBytes(StandardCharsets.UTF_8));
            field(out, METADATA_PROPS, entry.toByteArray());
        }
        return out.toByteArray();
    }

    private static void parseEntry(byte[] b, Path onnx, Map<String, String> out) throws IOException {
        InputStream in = new java.io.ByteArrayInputStream(b);
        String key = "";
        String value = "";
        int first;
        while ((first = in.read()) >= 0) {
            long tag = varint(in, first, onnx);
            if ((tag & 7) != 2) {
                if ((tag & 7) == 0) { varint(in, in.read(), onnx); continue; }
                throw bad(onnx, "unexpected wire type in a metadata_props entry");
            }
            int len = (int) varint(in, in.read(), onnx);
            byte[] s = in.readNBytes(len);
            if (s.length != len) throw bad(onnx, "truncated metadata_props entry");
            if (tag >>> 3 == 1) key = new String(s, StandardCharsets.UTF_8);
            else if (tag >>> 3 == 2) value = new String(s, StandardCharsets.UTF_8);
        }
        out.put(key, value);
    }

    private static void field(ByteArrayOutputStream out, int field, byte[] bytes) {
        writeVarint(out, ((long) field << 3) | 2);
        writeVarint(out, bytes.length);
        out.writeBytes(bytes);
    }

    private static void writeVarint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7fL) != 0) {
            out.write((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    private static long varint(InputStream in, int first, Path onnx) throws IOException {
        if (first < 0) throw new EOFException();
        long v = first & 0x7f;
        int shift = 7;
        int b = first;
        while ((b & 0x80) != 0) {
            if (shift > 63) throw bad(onnx, "varint longer than 10 bytes");
            b = in.read();
            if (b < 0) throw new EOFException();
            v |= (long) (b & 0x7f) << shift;
            shift += 7;
        }
        return v;
    }

    private static SmeltException bad(Path onnx, String what) {
        return new SmeltException(onnx + ": not an ONNX ModelProto (" + what + ")");
    }
}

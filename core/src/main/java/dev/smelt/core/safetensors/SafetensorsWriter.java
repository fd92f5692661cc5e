package dev.smelt.core.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smelt.core.SmeltException;
import dev.smelt.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Writes safetensors files: one file, or HF-style shards ({@code model-00001-of-0000N.safetensors} plus
 * {@code model.safetensors.index.json}). Tensors are laid out contiguously in the order given and the
 * header is padded with spaces to 8-byte alignment, so reading a file and writing its tensors back in
 * file order reproduces it byte for byte. Every file is written to a temp name, fsynced and renamed.
 */
public final class SafetensorsWriter {
    public static final String INDEX_FILE = "model.safetensors.index.json";
    public static final String SINGLE_FILE = "model.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper();

    private SafetensorsWriter() {}

    public static void write(Path file, Map<String, String> metadata, List<? extends TensorSource> tensors)
            throws IOException {
        checkUniqueNames(tensors);
        byte[] header = header(metadata, tensors);
        AtomicFiles.write(file, ch -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
            writeAll(ch, len);
            writeAll(ch, ByteBuffer.wrap(header));
            for (TensorSource t : tensors) {
                long before = ch.position();
                t.writeTo(new CountingChannel(ch));
                long written = ch.position() - before;
                if (written != t.byteSize()) {
                    throw new SmeltException("tensor \"" + t.name() + "\": source wrote " + written
                            + " bytes, expected " + t.byteSize());
                }
            }
        });
    }

    /**
     * Writes {@code tensors} into {@code dir}, starting a new shard whenever the next tensor would push the
     * current one past {@code maxShardBytes} (a single tensor larger than the limit gets a shard of its own).
     * One shard is written as {@code model.safetensors} without an index, as transformers does.
     *
     * @return the files written, in order
     */
    public static List<Path> writeSharded(Path dir, Map<String, String> metadata,
            List<? extends TensorSource> tensors, long maxShardBytes) throws IOException {
        checkUniqueNames(tensors);
        List<List<TensorSource>> shards = new ArrayList<>();
        List<TensorSource> current = new ArrayList<>();
        long currentBytes = 0;
        for (TensorSource t : tensors) {
            if (!current.isEmpty() && currentBytes + t.byteSize() > maxShardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                currentBytes = 0;
            }
            current.add(t);
            currentBytes += t.byteSize();
        }
        if (!current.isEmpty() || shards.isEmpty()) shards.add(current);

        List<Path> files = new ArrayList<>();
        if (shards.size() == 1) {
            Path f = dir.resolve(SINGLE_FILE);
            write(f, metadata, shards.get(0));
            files.add(f);
            return files;
        }
        Map<String, String> weightMap = new TreeMap<>();
        long total = 0;
        for (int i = 0; i < shards.size(); i++) {
            String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            Path f = dir.resolve(name);
            write(f, metadata, shards.get(i));
            files.add(f);
            for (TensorSource t : shards.get(i)) {
                weightMap.put(t.name(), name);
                total += t.byteSize();
            }
        }
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", total);
        ObjectNode wm = index.putObject("weight_map");
        weightMap.forEach(wm::put);
        AtomicFiles.writeString(dir.resolve(INDEX_FILE),
                JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(index) + "\n");
        files.add(dir.resolve(INDEX_FILE));
        return files;
    }

    static byte[] header(Map<String, String> metadata, List<? extends TensorSource> tensors) {
        ObjectNode root = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = root.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (TensorSource t : tensors) {
            ObjectNode e = root.putObject(t.name());
            e.put("dtype", t.dtype().name());
            var shape = e.putArray("shape");
            for (long d : t.shape()) shape.add(d);
            long end = offset + t.byteSize();
            e.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = new byte[padded];
        System.arraycopy(json, 0, out, 0, json.length);
        for (int i = json.length; i < padded; i++) out[i] = ' ';
        return out;
    }

    private static void checkUniqueNames(List<? extends TensorSource> tensors) {
        Set<String> seen = new HashSet<>();
        for (TensorSource t : tensors) {
            if (!seen.add(t.name())) throw new SmeltException("duplicate tensor name \"" + t.name() + "\"");
            if (t.name().equals("__metadata__")) throw new SmeltException("\"__metadata__\" is not a valid tensor name");
        }
    }

    private static void writeAll(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    /** Hands sources a channel they cannot reposition. */
    private record CountingChannel(FileChannel delegate) implements WritableByteChannel {
        public int write(ByteBuffer src) throws IOException {
            return delegate.write(src);
        }

        public boolean isOpen() {
            return delegate.isOpen();
        }

        public void close() {
            // the writer owns the file
        }
    }
}

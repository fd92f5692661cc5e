package dev.smelt.core.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.core.SmeltException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * All weights of a model: a single {@code .safetensors} file, or a directory holding either
 * {@code model.safetensors.index.json} with its shards or plain {@code *.safetensors} files.
 * Tensor names are unique across shards; every shard is memory-mapped, nothing is loaded eagerly.
 */
public final class SafetensorsModel implements Closeable {
    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> owner;

    private SafetensorsModel(List<SafetensorsFile> files, Map<String, SafetensorsFile> owner) {
        this.files = files;
        this.owner = owner;
    }

    public static SafetensorsModel open(Path path) {
        if (Files.isRegularFile(path)) return of(List.of(path), null);
        if (!Files.isDirectory(path)) throw new SmeltException(path + ": no such file or directory");
        Path index = path.resolve(SafetensorsWriter.INDEX_FILE);
        if (Files.isRegularFile(index)) return fromIndex(path, index);
        List<Path> shards;
        try (Stream<Path> s = Files.list(path)) {
            shards = s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        } catch (IOException e) {
            throw new SmeltException(path + ": cannot list: " + e.getMessage(), e);
        }
        if (shards.isEmpty()) throw new SmeltException(path + ": no *.safetensors files found");
        return of(shards, null);
    }

    private static SafetensorsModel fromIndex(Path dir, Path index) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(index.toFile());
        } catch (IOException e) {
            throw new SmeltException(index + ": invalid JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
        JsonNode wm = root == null ? null : root.get("weight_map");
        if (wm == null || !wm.isObject()) throw new SmeltException(index + ": missing object field \"weight_map\"");
        Map<String, String> expected = new LinkedHashMap<>();
        List<Path> shardPaths = new ArrayList<>();
        wm.fields().forEachRemaining(e -> {
            String file = e.getValue().asText();
            if (file.contains("/") || file.contains("\\") || file.equals("..")) {
                throw new SmeltException(index + ": weight_map." + e.getKey() + " names a file outside the directory: " + file);
            }
            expected.put(e.getKey(), file);
            Path p = dir.resolve(file);
            if (!shardPaths.contains(p)) shardPaths.add(p);
        });
        for (Path p : shardPaths) {
            if (!Files.isRegularFile(p)) throw new SmeltException(index + ": shard " + p.getFileName() + " is missing");
        }
        return of(shardPaths, expected);
    }

    private static SafetensorsModel of(List<Path> paths, Map<String, String> expected) {
        List<SafetensorsFile> files = new ArrayList<>();
        Map<String, SafetensorsFile> owner = new LinkedHashMap<>();
        try {
            for (Path p : paths) {
                SafetensorsFile f = SafetensorsFile.open(p);
                files.add(f);
                for (String name : f.tensors().keySet()) {
                    SafetensorsFile prev = owner.put(name, f);
                    if (prev != null) {
                        throw new SmeltException("tensor \"" + name + "\" appears in both " + prev.path().getFileName()
                                + " and " + p.getFileName());
                    }
                }
            }
            if (expected != null) {
                for (Map.Entry<String, String> e : expected.entrySet()) {
                    SafetensorsFile f = owner.get(e.getKey());
                    if (f == null || !f.path().getFileName().toString().equals(e.getValue())) {
                        throw new SmeltException("index lists tensor \"" + e.getKey() + "\" in " + e.getValue()
                                + " but that shard does not contain it");
                    }
                }
            }
        } catch (RuntimeException e) {
            files.forEach(SafetensorsFile::close);
            throw e;
        }
        return new SafetensorsModel(Collections.unmodifiableList(files), Collections.unmodifiableMap(owner));
    }

    public List<SafetensorsFile> files() {
        return files;
    }

    public boolean contains(String name) {
        return owner.containsKey(name);
    }

    /** Names in shard order, then file-offset order. */
    public List<String> names() {
        return List.copyOf(owner.keySet());
    }

    public TensorInfo info(String name) {
        return file(name).info(name);
    }

    public SafetensorsFile file(String name) {
        SafetensorsFile f = owner.get(name);
        if (f == null) throw new SmeltException("model has no tensor named \"" + name + "\"");
        return f;
    }

    public ByteBuffer bytes(String name) {
        return file(name).bytes(name);
    }

    public float[] floats(String name) {
        return file(name).floats(name);
    }

    /** Metadata of the first shard (HF writes the same into every shard). */
    public Map<String, String> metadata() {
        return files.isEmpty() ? Map.of() : files.get(0).metadata();
    }

    public long totalBytes() {
        long sum = 0;
        for (SafetensorsFile f : files) for (TensorInfo t : f.tensors().values()) sum += t.byteSize();
        return sum;
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }
}

package dev.smelt.quantizer.gguf;

import dev.smelt.converter.gguf.GgmlType;
import dev.smelt.converter.gguf.GgufReader;
import dev.smelt.converter.gguf.GgufTensorInfo;
import dev.smelt.converter.gguf.GgufValue;
import dev.smelt.converter.gguf.vocab.GgufKeys.IMatrix;
import dev.smelt.converter.gguf.vocab.GgufKeys.Quantize;
import dev.smelt.core.SmeltException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An importance matrix as llama-quantize uses it: per weight tensor (GGUF name) one weight per input column
 * (experts' vectors concatenated), read from llama.cpp's imatrix files and normalised exactly as its
 * {@code load_imatrix} does (GGUF: {@code <name>.in_sum2 / <name>.counts} per expert, 1 where a count is 0;
 * legacy .dat: sums / ncall). {@code file} is the path as the user gave it, {@code datasets} and
 * {@code chunkCount} come from the file; all three go into the quantized model's {@code quantize.imatrix.*}
 * metadata as llama-quantize writes it.
 */
public record ImportanceMatrix(String file, Map<String, float[]> weights, List<String> datasets, int chunkCount) {
    public ImportanceMatrix {
        weights = Map.copyOf(weights);
        datasets = List.copyOf(datasets);
    }

    public Optional<float[]> forTensor(String name) {
        return Optional.ofNullable(weights.get(name));
    }

    /** Reads a GGUF imatrix ({@code general.type} imatrix) or a legacy llama.cpp .dat imatrix. */
    public static ImportanceMatrix read(Path path) {
        if (!Files.isRegularFile(path)) throw new SmeltException(path + ": no such imatrix file");
        byte[] magic = new byte[4];
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ch.read(ByteBuffer.wrap(magic), 0);
        } catch (IOException e) {
            throw new SmeltException(path + ": cannot read: " + e.getMessage(), e);
        }
        return new String(magic, StandardCharsets.ISO_8859_1).equals("GGUF") ? readGguf(path) : readLegacy(path);
    }

    private static ImportanceMatrix readGguf(Path path) {
        try (GgufReader r = GgufReader.open(path)) {
            Map<String, GgufValue> meta = r.metadata();
            boolean hasMetadata = meta.containsKey(IMatrix.DATASETS) && meta.containsKey(IMatrix.CHUNK_COUNT)
                    && meta.containsKey(IMatrix.CHUNK_SIZE);
            if (!hasMetadata) {
                throw new SmeltException(path + ": GGUF imatrix lacks " + IMatrix.DATASETS + " / " + IMatrix.CHUNK_COUNT
                        + " / " + IMatrix.CHUNK_SIZE + " metadata");
            }
            List<String> datasets = new ArrayList<>();
            if (meta.get(IMatrix.DATASETS) instanceof GgufValue.Array a) {
                for (GgufValue v : a.values()) {
                    if (v instanceof GgufValue.Str s) datasets.add(s.value());
                }
            }
            int chunks = (int) meta.get(IMatrix.CHUNK_COUNT).asLong();
            Map<String, GgufTensorInfo> sums = new TreeMap<>();
            Map<String, GgufTensorInfo> counts = new TreeMap<>();
            for (GgufTensorInfo t : r.tensors()) {
                String n = t.name();
                if (n.endsWith(IMatrix.IN_SUM2_SUFFIX)) sums.put(n.substring(0, n.length() - IMatrix.IN_SUM2_SUFFIX.length()), t);
                else if (n.endsWith(IMatrix.COUNTS_SUFFIX)) counts.put(n.substring(0, n.length() - IMatrix.COUNTS_SUFFIX.length()), t);
            }
            if (sums.isEmpty()) throw new SmeltException(path + ": imatrix has no <tensor>" + IMatrix.IN_SUM2_SUFFIX + " entries");
            Map<String, float[]> weights = new LinkedHashMap<>();
            for (String name : sums.keySet()) {
                GgufTensorInfo s = sums.get(name);
                GgufTensorInfo c = counts.get(name);
                if (c == null) throw new SmeltException(path + ": imatrix has " + name + IMatrix.IN_SUM2_SUFFIX + " but no " + name
                        + IMatrix.COUNTS_SUFFIX);
                if (s.type() != GgmlType.F32 || c.type() != GgmlType.F32) {
                    throw new SmeltException(path + ": imatrix sums and counts for " + name + " must be F32");
                }
                float[] sum = r.floats(s.name());
                float[] cnt = r.floats(c.name());
                int ne0 = sum.length / cnt.length;
                float[] e = new float[sum.length];
                for (int j = 0; j < cnt.length; j++) {
                    float count = (float) Math.copySign(Math.floor(Math.abs((double) cnt[j]) + 0.5), cnt[j]); // std::lround
                    for (int i = 0; i < ne0; i++) e[j * ne0 + i] = count > 0.0f ? sum[j * ne0 + i] / count : 1;
                }
                weights.put(name, e);
            }
            for (String name : counts.keySet()) {
                if (!sums.containsKey(name)) throw new SmeltException(path + ": imatrix has " + name + IMatrix.COUNTS_SUFFIX + " but no " + name
                        + IMatrix.IN_SUM2_SUFFIX);
            }
            return new ImportanceMatrix(path.toString(), weights, datasets, chunks);
        }
    }

    private static ImportanceMatrix readLegacy(Path path) {
        ByteBuffer b;
        try {
            b = ByteBuffer.wrap(Files.readAllBytes(path)).order(ByteOrder.LITTLE_ENDIAN);
        } catch (NoSuchFileException e) {
            throw new SmeltException(path + ": no such imatrix file");
        } catch (IOException e) {
            throw new SmeltException(path + ": cannot read: " + e.getMessage(), e);
        }
        String what = path + " (legacy imatrix)";
        int entries = intAt(b, what, "entry count");
        if (entries < 1) throw new SmeltException(what + ": no entries");
        Map<String, float[]> weights = new LinkedHashMap<>();
        for (int i = 0; i < entries; i++) {
            int len = intAt(b, what, "name length of entry " + (i + 1));
            if (len < 0 || len > b.remaining()) throw new SmeltException(what + ": truncated in the name of entry " + (i + 1));
            byte[] name = new byte[len];
            b.get(name);
            int ncall = intAt(b, what, "call count of entry " + (i + 1));
            int nval = intAt(b, what, "value count of entry " + (i + 1));
            if (nval < 1 || (long) nval * 4 > b.remaining()) {
                throw new SmeltException(what + ": entry " + (i + 1) + " declares " + nval + " values, the file has room for "
                        + b.remaining() / 4);
            }
            float[] e = new float[nval];
            for (int j = 0; j < nval; j++) {
                float s = b.getFloat();
                e[j] = ncall > 0 ? s / ncall : s;
            }
            String key = new String(name, StandardCharsets.UTF_8);
            int nul = key.indexOf('\0');
            weights.put(nul >= 0 ? key.substring(0, nul) : key, e);
        }
        int chunks = 0;
        List<String> datasets = new ArrayList<>();
        if (b.remaining() >= 4) {
            chunks = b.getInt();
            if (b.remaining() >= 4) {
                int len = b.getInt();
                if (len > 0 && len <= b.remaining()) {
                    byte[] ds = new byte[len];
                    b.get(ds);
                    String s = new String(ds, StandardCharsets.UTF_8);
                    int nul = s.indexOf('\0');
                    datasets.add(nul >= 0 ? s.substring(0, nul) : s);
                }
            }
        }
        return new ImportanceMatrix(path.toString(), weights, datasets, chunks);
    }

    private static int intAt(ByteBuffer b, String what, String field) {
        if (b.remaining() < 4) throw new SmeltException(what + ": truncated while reading the " + field);
        return b.getInt();
    }

    /** The {@code quantize.imatrix.*} keys llama-quantize adds to the model it writes, in its order. */
    Map<String, GgufValue> outputMetadata() {
        Map<String, GgufValue> m = new LinkedHashMap<>();
        byte[] f = file.getBytes(StandardCharsets.UTF_8);
        m.put(Quantize.IMATRIX_FILE, GgufValue.of(f.length > 127 ? new String(f, 0, 127, StandardCharsets.UTF_8) : file));
        if (!datasets.isEmpty()) {
            byte[] d = datasets.get(0).getBytes(StandardCharsets.UTF_8);
            m.put(Quantize.IMATRIX_DATASET,
                    GgufValue.of(d.length > 127 ? new String(d, 0, 127, StandardCharsets.UTF_8) : datasets.get(0)));
        }
        m.put(Quantize.IMATRIX_ENTRIES_COUNT, GgufValue.u32(weights.size()));
        if (chunkCount > 0) m.put(Quantize.IMATRIX_CHUNKS_COUNT, GgufValue.u32(chunkCount));
        return m;
    }
}

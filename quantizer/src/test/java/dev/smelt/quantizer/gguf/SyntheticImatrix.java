package dev.smelt.quantizer.gguf;

import dev.smelt.converter.gguf.GgufReader;
import dev.smelt.converter.gguf.GgufTensor;
import dev.smelt.converter.gguf.GgufTensorInfo;
import dev.smelt.converter.gguf.GgufValue;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Writes an importance matrix for a model's 2-D weights (except token_embd, which llama-imatrix does not
 * see) in llama.cpp's formats: GGUF ({@code general.type} imatrix, {@code <t>.in_sum2} and {@code <t>.counts},
 * datasets, chunk count and size) or the legacy .dat. Values are random sums of squares over 37 "tokens".
 */
final class SyntheticImatrix {
    private SyntheticImatrix() {}

    static Path write(Path model, Path out, boolean gguf) throws IOException {
        if (Files.exists(out)) return out;
        Map<String, float[]> sums = new LinkedHashMap<>();
        Random r = new Random(11);
        try (GgufReader g = GgufReader.open(model)) {
            for (GgufTensorInfo t : g.tensors()) {
                if (t.nDims() < 2 || !t.name().endsWith(".weight") || t.name().equals("token_embd.weight")) continue;
                float[] s = new float[(int) t.dim(0)];
                for (int i = 0; i < s.length; i++) s[i] = (float) (37 * Math.abs(r.nextGaussian()) * (i % 13 == 0 ? 5 : 1));
                sums.put(t.name(), s);
            }
        }
        int calls = 37;
        if (gguf) {
            Map<String, GgufValue> meta = new LinkedHashMap<>();
            meta.put("general.type", GgufValue.of("imatrix"));
            meta.put("imatrix.datasets", GgufValue.strings(List.of("synthetic.txt")));
            meta.put("imatrix.chunk_count", GgufValue.u32(3));
            meta.put("imatrix.chunk_size", GgufValue.u32(512));
            List<GgufTensor> tensors = new ArrayList<>();
            for (var e : sums.entrySet()) {
                tensors.add(GgufTensor.ofFloats(e.getKey() + ".in_sum2", new long[] {e.getValue().length}, e.getValue()));
                tensors.add(GgufTensor.ofFloats(e.getKey() + ".counts", new long[] {1}, new float[] {calls}));
            }
            dev.smelt.converter.gguf.GgufWriter.write(out, meta, tensors);
        } else {
            int size = 4;
            for (var e : sums.entrySet()) size += 12 + e.getKey().length() + 4 * e.getValue().length;
            String dataset = "synthetic.txt";
            ByteBuffer b = ByteBuffer.allocate(size + 8 + dataset.length()).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(sums.size());
            for (var e : sums.entrySet()) {
                byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
                b.putInt(name.length).put(name).putInt(calls).putInt(e.getValue().length);
                for (float v : e.getValue()) b.putFloat(v);
            }
            b.putInt(3).putInt(dataset.length()).put(dataset.getBytes(StandardCharsets.UTF_8));
            Files.write(out, b.array());
        }
        return out;
    }

}

package dev.smelt.quantizer.gguf;

import dev.smelt.converter.arch.GgufArchitecture;
import dev.smelt.converter.arch.RowTransform;
import dev.smelt.converter.gguf.GgufTensor;
import dev.smelt.converter.gguf.GgufValue;
import dev.smelt.converter.gguf.GgufWriter;
import dev.smelt.converter.gguf.vocab.GgufKeys.General;
import dev.smelt.converter.gguf.vocab.GgufKeys.GeneralType;
import dev.smelt.converter.gguf.vocab.GgufKeys.IMatrix;
import dev.smelt.converter.gguf.vocab.MappedTensor;
import dev.smelt.core.model.ModelConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes llama.cpp's GGUF imatrix format as llama-imatrix does: {@code general.type} = imatrix, the dataset names,
 * chunk count and chunk size, then per weight tensor (sorted by name) {@code <name>.in_sum2} (F32, Σx² per input
 * column, one row per expert) and {@code <name>.counts} (F32, activation rows seen per expert). {@link ImportanceMatrix}
 * reads it back.
 */
public final class ImportanceMatrixWriter {
    private ImportanceMatrixWriter() {}

    /** The raw statistics of one GGUF weight tensor: {@code inSum2} holds {@code counts.length} rows of columns. */
    public record Entry(String tensor, float[] inSum2, float[] counts) {
        public Entry {
            if (counts.length == 0 || inSum2.length % counts.length != 0) {
                throw new IllegalArgumentException(tensor + ": " + inSum2.length + " sums do not split into "
                        + counts.length + " experts");
            }
        }
    }

    /**
     * The entry of a Hugging Face projection (module path, e.g. {@code model.layers.0.self_attn.q_proj}, with
     * {@code outFeatures} output rows) whose inputs summed to {@code sumOfSquares} over {@code rows} rows: named as the converter names its weight, with the
     * columns in the order the converter writes them (Qwen3.5's {@code ssm_out} takes the V-head tiling on its columns;
     * row reorderings such as llama's q/k RoPE permutation leave input columns alone).
     */
    public static Entry fromHuggingFace(ModelConfig config, String module, long outFeatures, double[] sumOfSquares,
            long rows) {
        GgufArchitecture arch = GgufArchitecture.of(config);
        MappedTensor mapped = arch.tensorNames().map(module + ".weight");
        long[] shape = {outFeatures, sumOfSquares.length};
        int[] cols = arch.transform(config, mapped, arch.shape(mapped, shape)).colOrder();
        float[] sums = new float[sumOfSquares.length];
        for (int c = 0; c < sums.length; c++) sums[c] = (float) sumOfSquares[cols == null ? c : cols[c]];
        return new Entry(mapped.ggufName(), sums, new float[] {rows});
    }

    /** Writes {@code entries} atomically to {@code out}. */
    public static void write(Path out, List<Entry> entries, List<String> datasets, int chunkCount, int chunkSize)
            throws IOException {
        Map<String, GgufValue> meta = new LinkedHashMap<>();
        meta.put(General.TYPE, GgufValue.of(GeneralType.IMATRIX));
        meta.put(IMatrix.DATASETS, GgufValue.strings(datasets));
        meta.put(IMatrix.CHUNK_COUNT, GgufValue.u32(chunkCount));
        meta.put(IMatrix.CHUNK_SIZE, GgufValue.u32(chunkSize));
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparing(Entry::tensor, ImportanceMatrixWriter::compareBytes));
        List<GgufTensor> tensors = new ArrayList<>();
        for (Entry e : sorted) {
            int experts = e.counts().length;
            long cols = e.inSum2().length / experts;
            // ggml drops trailing 1-sized dims: a dense tensor's sums are 1-D [cols], its count 1-D [1]
            tensors.add(GgufTensor.ofFloats(e.tensor() + IMatrix.IN_SUM2_SUFFIX,
                    experts == 1 ? new long[] {cols} : new long[] {cols, experts}, e.inSum2()));
            tensors.add(GgufTensor.ofFloats(e.tensor() + IMatrix.COUNTS_SUFFIX,
                    experts == 1 ? new long[] {1} : new long[] {1, experts}, e.counts()));
        }
        GgufWriter.write(out, meta, tensors);
    }

    /** std::string's order (UTF-8 bytes, unsigned), which llama-imatrix sorts its entries by. */
    private static int compareBytes(String a, String b) {
        return Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}

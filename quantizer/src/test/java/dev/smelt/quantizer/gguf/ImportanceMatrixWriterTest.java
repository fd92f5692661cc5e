package dev.smelt.quantizer.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smelt.converter.gguf.GgufReader;
import dev.smelt.converter.gguf.GgufTensorInfo;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImportanceMatrixWriterTest {
    @TempDir
    Path tmp;

    @Test
    void writesLlamaImatrixLayoutThatReadsBackAsSumsOverCounts() throws Exception {
        Path f = tmp.resolve("m.imatrix.gguf");
        ImportanceMatrixWriter.write(f, List.of(
                new ImportanceMatrixWriter.Entry("blk.10.ffn_down.weight", new float[] {8, 16, 24}, new float[] {8}),
                new ImportanceMatrixWriter.Entry("blk.1.ffn_down_exps.weight", new float[] {2, 4, 6, 8}, new float[] {2, 0}),
                new ImportanceMatrixWriter.Entry("blk.1.attn_q.weight", new float[] {4, 12}, new float[] {4})),
                List.of("wiki.txt"), 3, 512);
        try (GgufReader r = GgufReader.open(f)) {
            assertThat(r.metadata().keySet()).containsExactly("general.type", "imatrix.datasets", "imatrix.chunk_count",
                    "imatrix.chunk_size");
            assertThat(r.metadata().get("general.type").toString()).contains("imatrix");
            assertThat(r.metadata().get("imatrix.chunk_count").asLong()).isEqualTo(3);
            assertThat(r.metadata().get("imatrix.chunk_size").asLong()).isEqualTo(512);
            // byte order of the names, each tensor's sums then its counts; dense tensors 1-D as ggml writes them
            assertThat(r.tensors().stream().map(GgufTensorInfo::name).toList()).containsExactly(
                    "blk.1.attn_q.weight.in_sum2", "blk.1.attn_q.weight.counts",
                    "blk.1.ffn_down_exps.weight.in_sum2", "blk.1.ffn_down_exps.weight.counts",
                    "blk.10.ffn_down.weight.in_sum2", "blk.10.ffn_down.weight.counts");
            assertThat(r.tensor("blk.1.attn_q.weight.in_sum2").dims()).containsExactly(2);
            assertThat(r.tensor("blk.1.attn_q.weight.counts").dims()).containsExactly(1);
            assertThat(r.tensor("blk.1.ffn_down_exps.weight.in_sum2").dims()).containsExactly(2, 2);
            assertThat(r.tensor("blk.1.ffn_down_exps.weight.counts").dims()).containsExactly(1, 2);
        }
        ImportanceMatrix m = ImportanceMatrix.read(f);
        assertThat(m.datasets()).containsExactly("wiki.txt");
        assertThat(m.chunkCount()).isEqualTo(3);
        assertThat(m.forTensor("blk.10.ffn_down.weight").orElseThrow()).containsExactly(1, 2, 3);
        assertThat(m.forTensor("blk.1.attn_q.weight").orElseThrow()).containsExactly(1, 3);
        // an expert never routed to reads as 1, as llama-quantize does
        assertThat(m.forTensor("blk.1.ffn_down_exps.weight").orElseThrow()).containsExactly(1, 2, 1, 1);
    }

    @Test
    void sumsMustSplitIntoTheExperts() {
        assertThatThrownBy(() -> new ImportanceMatrixWriter.Entry("x.weight", new float[3], new float[2]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x.weight");
    }
}

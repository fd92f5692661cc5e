package dev.smelt.quantizer.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smelt.converter.gguf.GgufTensor;
import dev.smelt.converter.gguf.GgufValue;
import dev.smelt.converter.gguf.GgufWriter;
import dev.smelt.core.SmeltException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImportanceMatrixTest {
    @TempDir
    Path tmp;

    private Path model() throws Exception {
        Path m = tmp.resolve("m.gguf");
        GgufWriter.write(m, Map.of("general.architecture", GgufValue.of("llama")), List.of(
                GgufTensor.ofFloats("blk.0.attn_q.weight", new long[] {32, 2}, new float[64]),
                GgufTensor.ofFloats("token_embd.weight", new long[] {32, 4}, new float[128]),
                GgufTensor.ofFloats("blk.0.attn_norm.weight", new long[] {32}, new float[32])));
        return m;
    }

    @Test
    void ggufAndLegacyFilesNormaliseToTheSameWeights() throws Exception {
        Path model = model();
        ImportanceMatrix gguf = ImportanceMatrix.read(SyntheticImatrix.write(model, tmp.resolve("i.gguf"), true));
        ImportanceMatrix dat = ImportanceMatrix.read(SyntheticImatrix.write(model, tmp.resolve("i.dat"), false));
        assertThat(gguf.weights().keySet()).containsExactly("blk.0.attn_q.weight");
        assertThat(dat.weights().keySet()).containsExactly("blk.0.attn_q.weight");
        assertThat(gguf.forTensor("blk.0.attn_q.weight").orElseThrow())
                .containsExactly(dat.forTensor("blk.0.attn_q.weight").orElseThrow());
        assertThat(gguf.datasets()).containsExactly("synthetic.txt");
        assertThat(dat.datasets()).containsExactly("synthetic.txt");
        assertThat(gguf.chunkCount()).isEqualTo(3);
        assertThat(gguf.outputMetadata().keySet()).containsExactly("quantize.imatrix.file", "quantize.imatrix.dataset",
                "quantize.imatrix.entries_count", "quantize.imatrix.chunks_count");
        assertThat(gguf.outputMetadata().get("quantize.imatrix.entries_count").asLong()).isEqualTo(1);
    }

    @Test
    void malformedFilesAreOneLineErrors() throws Exception {
        Path noMeta = tmp.resolve("nometa.gguf");
        GgufWriter.write(noMeta, Map.of("general.type", GgufValue.of("imatrix")),
                List.of(GgufTensor.ofFloats("x.in_sum2", new long[] {4}, new float[4])));
        assertThatThrownBy(() -> ImportanceMatrix.read(noMeta)).isInstanceOf(SmeltException.class)
                .hasMessageContaining("imatrix.datasets");
        Path truncated = tmp.resolve("t.dat");
        Files.write(truncated, new byte[] {2, 0, 0, 0, 5, 0, 0, 0, 'a'});
        assertThatThrownBy(() -> ImportanceMatrix.read(truncated)).isInstanceOf(SmeltException.class)
                .hasMessageContaining("t.dat").hasMessageContaining("truncated");
        assertThatThrownBy(() -> ImportanceMatrix.read(tmp.resolve("none.dat"))).isInstanceOf(SmeltException.class)
                .hasMessageContaining("no such imatrix file");
    }
}

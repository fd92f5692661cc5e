package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.cli.Smelt;
import dev.smelt.converter.gguf.GgufReader;
import dev.smelt.quantizer.gguf.ImportanceMatrix;
import dev.smelt.testkit.cli.CliRunner.Result;
import dev.smelt.testkit.cli.CliRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImatrixCommandTest {
    @TempDir
    Path tmp;

    private Path model;
    private Path text;

    private static final CliRunner SMELT = new CliRunner(Smelt::run);

    @BeforeEach
    void tinyModelAndText() throws Exception {
        model = tmp.resolve("llama");
        assertThat(SMELT.run("-q", "create-tiny", "--arch", "llama", "--out", model.toString(), "--no-tie").code()).isZero();
        text = tmp.resolve("text.txt");
        Files.writeString(text, "the quick brown fox jumps over the lazy dog\n".repeat(20));
    }

    @Test
    void collectsEveryLayerProjectionOverWholeChunksAndQuantizesWithIt() throws Exception {
        Path out = tmp.resolve("m.imatrix.gguf");
        Result r = SMELT.run("-q", "imatrix", "--model", model.toString(), "--data", text.toString(), "--out", out.toString(),
                "--chunk-size", "32", "--threads", "1");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).matches("wrote \\S+ \\(14 tensors, \\d+ chunks of 32 tokens\\)\\n");
        int chunks = Integer.parseInt(r.out().replaceAll(".*, (\\d+) chunks.*\\n", "$1"));
        assertThat(chunks).isGreaterThan(1);
        try (GgufReader g = GgufReader.open(out)) {
            assertThat(g.metadata().get("imatrix.chunk_count").asLong()).isEqualTo(chunks);
            assertThat(g.metadata().get("imatrix.chunk_size").asLong()).isEqualTo(32);
            assertThat(g.tensors()).hasSize(28);
            for (int layer = 0; layer < 2; layer++) {
                String p = "blk." + layer + ".";
                for (String t : List.of("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down")) {
                    // every token of every chunk is one activation row
                    assertThat(g.floats(p + t + ".weight.counts")).as(t).containsExactly(chunks * 32f);
                    float[] sums = g.floats(p + t + ".weight.in_sum2");
                    for (float s : sums) assertThat(s).as(t).isPositive().isFinite();
                }
                // projections of the same input see the same activations
                assertThat(g.floats(p + "attn_k.weight.in_sum2")).containsExactly(g.floats(p + "attn_q.weight.in_sum2"));
                assertThat(g.floats(p + "attn_v.weight.in_sum2")).containsExactly(g.floats(p + "attn_q.weight.in_sum2"));
                assertThat(g.floats(p + "ffn_up.weight.in_sum2")).containsExactly(g.floats(p + "ffn_gate.weight.in_sum2"));
                assertThat(g.floats(p + "ffn_down.weight.in_sum2")).hasSize(g.floats(p + "ffn_gate.weight.in_sum2").length * 3);
            }
            assertThat(g.tensors().stream().anyMatch(t -> t.name().startsWith("output.weight"))).isFalse();
        }
        assertThat(ImportanceMatrix.read(out).datasets()).containsExactly(text.toString());

        Path f32 = tmp.resolve("f32.gguf");
        assertThat(SMELT.run("-q", "convert", "gguf", "--model", model.toString(), "--out", f32.toString(), "--type", "f32").code()).isZero();
        Result q = SMELT.run("-q", "quantize", f32.toString(), tmp.resolve("q.gguf").toString(), "IQ4_XS", "--imatrix", out.toString());
        assertThat(q.code()).as(q.err()).isZero();

        Path withHead = tmp.resolve("head.imatrix.gguf");
        Result h = SMELT.run("-q", "imatrix", "--model", model.toString(), "--data", text.toString(), "--out", withHead.toString(),
                "--chunk-size", "32", "--process-output");
        assertThat(h.code()).as(h.err()).isZero();
        try (GgufReader g = GgufReader.open(withHead)) {
            assertThat(g.floats("output.weight.counts")).containsExactly(chunks * 32f);
        }
    }

    @Test
    void tooLittleDataIsAOneLineError() {
        Path out = tmp.resolve("m.imatrix.gguf");
        Result r = SMELT.run("imatrix", "--model", model.toString(), "--data", text.toString(), "--out", out.toString(),
                "--chunk-size", "100000");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("smelt: error: " + text).contains("fewer than one chunk of 100000 (--chunk-size)")
                .hasLineCount(1);
        assertThat(out).doesNotExist();
    }
}

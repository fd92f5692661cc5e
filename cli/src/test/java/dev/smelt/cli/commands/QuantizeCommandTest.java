package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.cli.Smelt;
import dev.smelt.converter.gguf.GgmlType;
import dev.smelt.converter.gguf.GgufReader;
import dev.smelt.testkit.cli.CliRunner;
import dev.smelt.testkit.cli.CliRunner.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuantizeCommandTest {
    private static final CliRunner SMELT = new CliRunner(Smelt::run);

    @TempDir
    Path tmp;

    private Path tinyF32(String arch, String... extra) {
        Path model = tmp.resolve(arch);
        String[] args = new String[] {"create-tiny", "--arch", arch, "--out", model.toString(), "--hidden", "256",
                "--intermediate", "512", "--layers", "8"};
        String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.Arrays.stream(extra))
                .toArray(String[]::new);
        assertThat(SMELT.run(all).code()).isZero();
        Path f32 = tmp.resolve(arch + "-f32.gguf");
        Result r = SMELT.run("-q", "convert", "gguf", "--model", model.toString(), "--out", f32.toString(),
                "--type", "f32");
        assertThat(r.code()).as(r.err()).isZero();
        return f32;
    }

    @Test
    void q4KMFollowsLlamaQuantizeRulesAndConvertingDirectlyGivesTheSameFile() throws Exception {
        Path f32 = tinyF32("llama", "--no-tie");
        Path q = tmp.resolve("q4km.gguf");
        Result r = SMELT.run("quantize", f32.toString(), q.toString(), "Q4_K_M", "--threads", "2");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("wrote " + q + " (Q4_K_M, ");
        assertThat(r.err()).contains("] blk.0.attn_v.weight").contains("Q6_K");
        try (GgufReader g = GgufReader.open(q)) {
            assertThat(g.metadata().get("general.file_type").asLong()).isEqualTo(15);
            assertThat(g.metadata().get("general.quantization_version").asLong()).isEqualTo(2);
            assertThat(g.tensor("output.weight").type()).isEqualTo(GgmlType.Q6_K);
            assertThat(g.tensor("token_embd.weight").type()).isEqualTo(GgmlType.Q4_K);
            assertThat(g.tensor("output_norm.weight").type()).isEqualTo(GgmlType.F32);
            // use_more_bits(i, 8): layers 0, 7 and (i - 1) % 3 == 2, i.e. 3 and 6
            for (int i = 0; i < 8; i++) {
                GgmlType expected = i == 0 || i == 3 || i == 6 || i == 7 ? GgmlType.Q6_K : GgmlType.Q4_K;
                assertThat(g.tensor("blk." + i + ".attn_v.weight").type()).as("attn_v %d", i).isEqualTo(expected);
                assertThat(g.tensor("blk." + i + ".ffn_down.weight").type()).as("ffn_down %d", i).isEqualTo(expected);
                assertThat(g.tensor("blk." + i + ".attn_q.weight").type()).isEqualTo(GgmlType.Q4_K);
            }
        }

        Path direct = tmp.resolve("direct.gguf");
        Result c = SMELT.run("-q", "convert", "gguf", "--model", tmp.resolve("llama").toString(), "--out",
                direct.toString(), "--type", "q4_k_m");
        assertThat(c.code()).as(c.err()).isZero();
        assertThat(Files.mismatch(direct, q)).isEqualTo(-1);

        Path one = tmp.resolve("one-thread.gguf");
        assertThat(SMELT.run("-q", "quantize", f32.toString(), one.toString(), "Q4_K_M", "--threads", "1").code()).isZero();
        assertThat(Files.mismatch(one, q)).isEqualTo(-1);
    }

    @Test
    void refusesToRequantizeUnlessAskedAndRejectsUnknownTypes() {
        Path f32 = tinyF32("qwen3");
        Path q8 = tmp.resolve("q8.gguf");
        assertThat(SMELT.run("-q", "quantize", f32.toString(), q8.toString(), "q8_0").code()).isZero();
        Path q4 = tmp.resolve("q4.gguf");
        Result refused = SMELT.run("quantize", q8.toString(), q4.toString(), "Q4_0");
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.err()).startsWith("smelt: error: ").contains("already Q8_0").contains("--allow-requantize")
                .hasLineCount(1);
        assertThat(q4).doesNotExist();
        Result allowed = SMELT.run("-q", "quantize", q8.toString(), q4.toString(), "Q4_0", "--allow-requantize");
        assertThat(allowed.code()).as(allowed.err()).isZero();
        Result bad = SMELT.run("quantize", f32.toString(), q4.toString(), "Q9_Z");
        assertThat(bad.code()).isEqualTo(2);
    }

    @Test
    void planPrintsEveryTypeWithFileSizeMemoryAndTiersWithoutWriting() throws Exception {
        Path model = tmp.resolve("q35");
        assertThat(SMELT.run("create-tiny", "--arch", "qwen3_5", "--out", model.toString(), "--hidden", "256").code()).isZero();
        Result r = SMELT.run("quantize", "--plan", "--model", model.toString(), "--ctx", "2048");
        assertThat(r.code()).as(r.err()).isZero();
        // 1 full-attention layer × 2048 × 2 KV heads × 64 × 2 × 2 bytes = 1 MiB; 3 linear layers × 4 bytes ×
        // (conv 3 × (64 + 2·2·32) + delta 32 × 64) = 31488 bytes
        assertThat(r.out()).contains("qwen35").contains("context 2,048 tokens").contains("KV cache 1.00 MiB (F16)")
                .contains("recurrent state 30.8 KiB").containsPattern("(?m)^Q4_K_M +[0-9.]+ [KM]iB +[0-9.]+ MiB  phone, gpu-8gb, laptop$")
                .contains("tiers: phone <= 2.00 GiB, gpu-8gb <= 7.50 GiB, laptop <= 8.00 GiB");
        assertThat(r.out().lines().filter(l -> l.matches("^(F32|F16|Q|IQ).*")).count()).isEqualTo(18);
        try (var files = Files.list(tmp)) {
            assertThat(files.filter(f -> f.toString().endsWith(".gguf"))).isEmpty();
        }

        assertThat(SMELT.run("quantize", "--plan").code()).as("--plan without --model").isEqualTo(2);
        assertThat(SMELT.run("quantize", "--plan", "--model", model.toString(), "--ctx", "0").code()).isEqualTo(2);
        assertThat(SMELT.run("quantize", "a.gguf", "b.gguf").code()).as("no TYPE").isEqualTo(2);
        assertThat(SMELT.run("quantize", "a.gguf", "b.gguf", "Q8_0", "--ctx", "5").code()).as("--ctx without --plan").isEqualTo(2);
    }
}

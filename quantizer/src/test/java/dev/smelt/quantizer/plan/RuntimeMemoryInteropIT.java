package dev.smelt.quantizer.plan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.smelt.converter.hf.GgufExport;
import dev.smelt.converter.hf.OutputType;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import dev.smelt.testkit.interop.InteropTool;
import dev.smelt.testkit.interop.LlamaCppHarness;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link RuntimeMemory} against what llama.cpp (node-llama-cpp 3.21.1) allocates for a context: the KV cache and
 * Qwen3.5's recurrent state as llama.cpp logs them (MiB with two decimals, so within 0.005 MiB), and the compute
 * buffer it reserves staying within the overhead {@code smelt quantize --plan} adds.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RuntimeMemoryInteropIT {
    static final double HALF_CENTI_MIB = 0.005 * (1 << 20);

    @TempDir Path tmp;
    @RegisterExtension static final InteropTool<LlamaCppHarness> LLAMA = InteropTool.llamaCpp();

    @ParameterizedTest(name = "{0} ctx {1}")
    @CsvSource({"qwen3,4096", "llama,1024", "qwen3_5,4096", "qwen3_5,2048"})
    void kvCacheAndRecurrentStateAreWhatLlamaCppAllocates(String arch, int ctx) throws Exception {
        Architecture a = Architecture.fromModelType(arch);
        TinyModelSpec.Builder spec = TinyModelSpec.builder(a).hiddenSize(256).numLayers(8);
        if (a == Architecture.QWEN3_5) spec.linearKeyHeads(4).linearValueHeads(8).linearHeadDim(128);
        Path dir = TinyModelWriter.write(spec.build(), tmp.resolve(arch + ctx)).directory();
        Path gguf = tmp.resolve(arch + ctx + ".gguf");
        GgufExport.export(dir, gguf, GgufExport.Options.of(OutputType.F16), new GgufExport.Listener() {});

        RuntimeMemory ours = RuntimeMemory.of(ModelDirectory.open(dir).config(), ctx);
        JsonNode llama = LLAMA.get().run("llama-memory.mjs", List.of(gguf.toString(), "--ctx", Integer.toString(ctx)),
                Duration.ofMinutes(3));
        System.out.printf("%s ctx %d: KV %d vs llama.cpp %s; state %d vs %s; overhead %d vs compute buffer %s%n", arch, ctx,
                ours.kvCacheBytes(), llama.path("kv_cache_bytes"), ours.recurrentStateBytes(), llama.path("recurrent_state_bytes"),
                ours.overheadBytes(), llama.path("compute_buffer_bytes"));
        assertThat(llama.path("context_size").asInt()).isEqualTo(ctx);
        assertThat((double) ours.kvCacheBytes()).as("KV cache").isCloseTo(llama.path("kv_cache_bytes").asDouble(),
                Offset.offset(HALF_CENTI_MIB));
        if (a == Architecture.QWEN3_5) {
            assertThat(ours.recurrentStateBytes()).isPositive();
            assertThat((double) ours.recurrentStateBytes()).as("recurrent state")
                    .isCloseTo(llama.path("recurrent_state_bytes").asDouble(), Offset.offset(HALF_CENTI_MIB));
        } else {
            assertThat(llama.path("recurrent_state_bytes").isNull()).as("no recurrent memory in a dense model").isTrue();
        }
        assertThat(llama.path("compute_buffer_bytes").isNumber()).as("llama.cpp logged its compute buffer").isTrue();
        assertThat((double) ours.overheadBytes()).as("overhead estimate vs llama.cpp's compute buffer")
                .isGreaterThanOrEqualTo(llama.path("compute_buffer_bytes").asDouble());
    }
}

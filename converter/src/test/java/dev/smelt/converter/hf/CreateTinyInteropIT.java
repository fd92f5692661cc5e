package dev.smelt.converter.hf;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.smelt.converter.interop.LlamaCppHarness;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.safetensors.DType;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The models {@code smelt create-tiny} writes (the project's shared test fixtures) exported to F32 and F16 GGUF
 * and checked with @huggingface/gguf and llama.cpp, including the reference-forward agreement. Qwen3.5 uses
 * twice as many linear-attention V heads as K heads (the V-head tiling case) and keeps an MTP layer that the
 * export leaves out.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CreateTinyInteropIT {
    @TempDir Path tmp;
    LlamaCppHarness harness;

    @BeforeAll
    void harness() {
        harness = LlamaCppHarness.locate().orElse(null);
        if (harness == null) {
            if (LlamaCppHarness.required()) fail("interop required but " + LlamaCppHarness.missingReason());
            assumeTrue(false, "skipping llama.cpp interop: " + LlamaCppHarness.missingReason());
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Architecture.class)
    void createTinyModelsExportAndRunInLlamaCpp(Architecture arch) throws Exception {
        TinyModelSpec.Builder b = TinyModelSpec.builder(arch).seed(42).dtype(DType.BF16);
        if (arch == Architecture.QWEN3_5) b.linearKeyHeads(2).linearValueHeads(4).mtpLayers(1);
        TinyModelWriter.Result model = TinyModelWriter.write(b.build(), tmp.resolve(arch.modelType()));
        Path f32 = tmp.resolve(arch.modelType() + "-f32.gguf");
        Path f16 = tmp.resolve(arch.modelType() + "-f16.gguf");
        GgufExport.export(model.directory(), f32, GgufExport.Options.of(OutputType.F32), new GgufExport.Listener() {});
        GgufExport.export(model.directory(), f16, GgufExport.Options.of(OutputType.F16), new GgufExport.Listener() {});
        for (Path gguf : new Path[] {f32, f16}) {
            GgufExportInteropIT.assertReferenceParserAgrees(harness, gguf);
            GgufExportInteropIT.assertGenerates(harness, gguf, model.config().vocabSize());
        }
        GgufExportInteropIT.assertMatchesReferenceForward(harness, model.directory(), f32, arch.modelType());
    }
}

package dev.smelt.converter.hf;


import dev.smelt.core.model.Architecture;
import dev.smelt.core.safetensors.DType;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import dev.smelt.testkit.interop.InteropTool;
import dev.smelt.testkit.interop.LlamaCppHarness;
import java.nio.file.Path;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
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
    @RegisterExtension static final InteropTool<LlamaCppHarness> LLAMA = InteropTool.llamaCpp();

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
            GgufExportInteropIT.assertReferenceParserAgrees(LLAMA.get(), gguf);
            GgufExportInteropIT.assertGenerates(LLAMA.get(), gguf, model.config().vocabSize());
        }
        GgufExportInteropIT.assertMatchesReferenceForward(LLAMA.get(), model.directory(), f32, arch.modelType());
    }
}

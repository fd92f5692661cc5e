package dev.smelt.quantizer.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.converter.gguf.GgufWriter;
import dev.smelt.converter.hf.GgufExport;
import dev.smelt.converter.hf.OutputType;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.safetensors.SafetensorsModel;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import dev.smelt.quantizer.gguf.GgufQuantizer;
import dev.smelt.quantizer.gguf.QuantizeOptions;
import dev.smelt.quantizer.mix.QuantMix;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The planned file sizes are the sizes of the files convert and quantize write; memory adds the runtime part. */
class EdgePlanTest {
    @TempDir Path tmp;

    @ParameterizedTest
    @EnumSource(value = Architecture.class, names = {"LLAMA", "QWEN3_5"})
    void fileSizesAreWhatConvertAndQuantizeWrite(Architecture arch) throws Exception {
        Path dir = TinyModelWriter.write(TinyModelSpec.builder(arch).hiddenSize(256).numLayers(4).build(), tmp.resolve("m"))
                .directory();
        EdgePlan plan = EdgePlan.of(dir, 1024);
        Map<String, EdgePlan.Estimate> byType = plan.estimates().stream()
                .collect(Collectors.toMap(EdgePlan.Estimate::type, e -> e));
        assertThat(byType).hasSize(2 + QuantMix.values().length);

        Path f16 = tmp.resolve("f16.gguf");
        GgufExport.export(dir, f16, GgufExport.Options.of(OutputType.F16), new GgufExport.Listener() {});
        assertThat(byType.get("F16").fileBytes()).isEqualTo(Files.size(f16));
        for (QuantMix mix : new QuantMix[] {QuantMix.Q4_K_M, QuantMix.Q8_0, QuantMix.Q3_K_S}) {
            Path out = tmp.resolve(mix + ".gguf");
            ModelDirectory md = ModelDirectory.open(dir);
            try (SafetensorsModel w = md.weights()) {
                GgufExport.Plan f32 = GgufExport.plan(md, w, GgufExport.Options.of(OutputType.F32));
                GgufQuantizer.write("m", f32.metadata(), f32.tensors(), out, new QuantizeOptions(mix, 1, false, false, null),
                        GgufWriter.Listener.NONE);
            }
            assertThat(byType.get(mix.name()).fileBytes()).as(mix.name()).isEqualTo(Files.size(out));
        }
        for (EdgePlan.Estimate e : plan.estimates()) {
            assertThat(e.ramBytes()).isEqualTo(e.fileBytes() + plan.runtime().totalBytes());
            assertThat(e.fits()).isEqualTo(Tier.fitting(e.ramBytes()));
        }
        assertThat(byType.get("Q4_K_M").fileBytes()).isLessThan(byType.get("Q8_0").fileBytes());
    }
}

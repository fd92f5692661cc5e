package dev.smelt.core.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.core.model.Architecture;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelInspectorTest {
    @TempDir
    Path tmp;

    @Test
    void denseDirectoryHasExactCountsAndNothingMissing() throws Exception {
        var r = TinyModelWriter.write(TinyModelSpec.builder(Architecture.QWEN2).seed(3).build(), tmp.resolve("m"));
        Inspection i = ModelInspector.inspectDirectory(r.directory());
        assertThat(i.architecture()).isEqualTo("qwen2");
        assertThat(i.parameters()).isEqualTo(r.parameterCount()).isEqualTo(i.parametersFromConfig());
        assertThat(i.missing()).isEmpty();
        assertThat(i.unexpected()).isEmpty();
        assertThat(i.totalBytes()).isEqualTo(4 * i.parameters());
    }

    @Test
    void qwen35MtpHeadIsCarriedNotUnexpected() throws Exception {
        var r = TinyModelWriter.write(TinyModelSpec.builder(Architecture.QWEN3_5).mtpLayers(1).build(), tmp.resolve("q"));
        Inspection i = ModelInspector.inspectDirectory(r.directory());
        assertThat(i.unexpected()).isEmpty();
        assertThat(i.missing()).isEmpty();
        assertThat((Long) i.extra().get("carried_parameters")).isPositive();
        assertThat(i.parameters()).isEqualTo(i.parametersFromConfig() + (Long) i.extra().get("carried_parameters"));
    }
}

package dev.smelt.models.qwen35;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smelt.core.SmeltException;
import dev.smelt.core.inspect.Inspection;
import dev.smelt.core.inspect.ModelInspector;
import dev.smelt.core.model.LayerType;
import dev.smelt.core.model.ModelConfig;
import dev.smelt.core.model.Qwen35Config;
import dev.smelt.core.model.Qwen35VisionTower;
import java.io.InputStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The config.json files of the four released small models (test resources) must give the Hub's safetensors
 * parameter totals exactly. Totals: Hub API {@code safetensors.total}; language/vision/MTP splits of 2B and 4B
 * as measured from checkpoint headers by third parties; the 9B total also equals its index total_size
 * (19,306,216,416 bytes) with A_log and linear_attn.norm kept in F32.
 */
class Qwen35ParameterCountTest {

    private static Qwen35Config load(String name) throws Exception {
        try (InputStream in = Qwen35ParameterCountTest.class.getResourceAsStream("/qwen35/" + name + ".config.json")) {
            return (Qwen35Config) ModelConfig.parse(name, new ObjectMapper().readTree(in));
        }
    }

    @ParameterizedTest
    @CsvSource({
        "Qwen3.5-0.8B, 873438784, 752393024, 100592896, 20452864, true, 24",
        "Qwen3.5-2B, 2274069824, 1881825088, 331416576, 60828160, true, 24",
        "Qwen3.5-4B, 4659865088, 4205751296, 333514240, 120599552, true, 32",
        "Qwen3.5-9B, 9653104368, 8953803264, 456010480, 243290624, false, 32",
    })
    void countsMatchThePublishedSizes(String name, long total, long language, long vision, long mtp, boolean tied,
            int layers) throws Exception {
        Qwen35Config c = load(name);
        assertThat(c.tieWordEmbeddings()).isEqualTo(tied);
        assertThat(c.numLayers()).isEqualTo(layers);
        assertThat(c.layerTypes().stream().filter(t -> t == LayerType.FULL_ATTENTION).count()).isEqualTo(layers / 4);
        assertThat(c.rotaryDim()).isEqualTo(64);
        assertThat(c.nested()).isTrue();
        Qwen35ParameterCount n = Qwen35ParameterCount.of(c, name);
        assertThat(n.language()).isEqualTo(language);
        assertThat(n.vision()).isEqualTo(vision);
        assertThat(n.mtp()).isEqualTo(mtp);
        assertThat(n.total()).isEqualTo(total);
        assertThat(c.parameterCount()).isEqualTo(language);
        // What `smelt inspect --from-config` reports.
        Path file = Path.of(Qwen35ParameterCountTest.class.getResource("/qwen35/" + name + ".config.json").toURI());
        Inspection inspection = ModelInspector.inspectConfig(file);
        assertThat(inspection.parameters()).isEqualTo(total);
        assertThat(inspection.extra()).containsEntry("vision_parameters", vision).containsEntry("mtp_parameters", mtp);
    }

    @Test
    void visionTowerHas333TensorsIn9BAndNoneInTextOnlyConfigs() throws Exception {
        Qwen35Config c = load("Qwen3.5-9B");
        assertThat(Qwen35VisionTower.fromJson("x", c.visionConfig()).tensorSpecs()).hasSize(333);
        assertThat(c.mtpTensorSpecs()).hasSize(15);
        ObjectNode flat = (ObjectNode) new ObjectMapper().readTree(
                Qwen35ParameterCountTest.class.getResourceAsStream("/qwen35/Qwen3.5-0.8B.config.json")).get("text_config");
        Qwen35Config text = (Qwen35Config) ModelConfig.parse("flat", flat);
        assertThat(text.nested()).isFalse();
        assertThat(Qwen35ParameterCount.of(text, "flat").vision()).isZero();
    }

    @Test
    void brokenVisionConfigNamesTheField() throws Exception {
        ObjectNode v = (ObjectNode) load("Qwen3.5-4B").visionConfig().deepCopy();
        v.remove("depth");
        assertThatThrownBy(() -> Qwen35VisionTower.fromJson("cfg.json", v))
                .isInstanceOf(SmeltException.class).hasMessage("cfg.json: vision_config.depth must be an integer");
    }
}

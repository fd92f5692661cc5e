package dev.smelt.bundle.provenance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.bundle.assemble.Bundler;
import dev.smelt.bundle.assemble.Fixtures;
import dev.smelt.bundle.license.FrontMatter;
import dev.smelt.bundle.verify.SafeExtractor;
import dev.smelt.converter.gguf.GgufReader;
import dev.smelt.converter.gguf.GgufTensorInfo;
import dev.smelt.converter.gguf.GgufValue;
import dev.smelt.converter.gguf.vocab.GgufKeys;
import dev.smelt.converter.gguf.vocab.GgufKeys.General;
import dev.smelt.core.safetensors.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProvenanceTest {
    @TempDir
    static Path tmp;
    static Fixtures fx;
    static Path out;

    @BeforeAll
    static void bundle() throws IOException {
        fx = Fixtures.create(tmp.resolve("in"));
        Path archive = tmp.resolve("tiny.zip");
        Bundler.bundle(fx.request(archive));
        out = tmp.resolve("x");
        SafeExtractor.extract(archive, out);
    }

    @Test
    void theGgufInsideCarriesTheLicenceKeysAndItsTensorsUnchanged() throws IOException {
        try (GgufReader in = GgufReader.open(fx.gguf()); GgufReader g = GgufReader.open(out.resolve("gguf/tiny-1.0.0-F16.gguf"))) {
            assertThat(g.string(General.LICENSE)).contains("apache-2.0");
            assertThat(g.string(General.LICENSE_NAME)).contains("Apache License 2.0");
            assertThat(g.string(General.LICENSE_LINK)).contains("https://www.apache.org/licenses/LICENSE-2.0");
            assertThat(g.integer(General.BASE_MODEL_COUNT)).contains(1L);
            // the converter already wrote the card's base model; it is kept, not duplicated
            assertThat(g.string(General.BASE_MODEL_NAME.of(0))).contains("tiny-base");
            assertThat(g.string(General.BASE_MODEL_ORGANIZATION.of(0))).contains("smelt-test");
            assertThat(g.metadata().get(General.TAGS).plain()).asList().contains("smelt", "gguf");
            assertThat(g.string(GgufKeys.Tokenizer.CHAT_TEMPLATE)).isEqualTo(in.string(GgufKeys.Tokenizer.CHAT_TEMPLATE)).isPresent();
            assertThat(g.string(GgufKeys.Smelt.VERSION)).contains("0.1.0-test");
            assertThat(g.tensors()).hasSameSizeAs(in.tensors());
            for (GgufTensorInfo t : in.tensors()) {
                assertThat(g.bytes(t.name())).as(t.name()).isEqualTo(in.bytes(t.name()));
            }
            // everything the input said that provenance does not own is kept
            for (Map.Entry<String, GgufValue> e : in.metadata().entrySet()) {
                if (e.getKey().startsWith("general.license") || e.getKey().equals(General.TAGS)) continue;
                assertThat(g.metadata().get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
            }
        }
    }

    @Test
    void safetensorsCarryItInMetadataWithTheTensorsUnchanged() throws IOException {
        try (SafetensorsFile in = SafetensorsFile.open(fx.model().resolve("model.safetensors"));
                SafetensorsFile f = SafetensorsFile.open(out.resolve("model/model.safetensors"))) {
            assertThat(f.metadata()).containsEntry("license", "apache-2.0").containsEntry("smelt_version", "0.1.0-test")
                    .containsKey("base_model").containsKey("chat_template");
            assertThat(f.dataStart() % 8).isZero();
            assertThat(f.tensors().keySet()).isEqualTo(in.tensors().keySet());
            for (String name : in.tensors().keySet()) assertThat(f.bytes(name)).as(name).isEqualTo(in.bytes(name));
        }
    }

    @Test
    void onnxGetsMetadataPropsAppendedAndKeepsItsOwn() throws IOException {
        Map<String, String> meta = OnnxMetadata.read(out.resolve("onnx/model.onnx"));
        assertThat(meta).containsEntry("producer_note", "test").containsEntry("license", "apache-2.0")
                .containsEntry("smelt_version", "0.1.0-test").containsKey("base_model");
        byte[] original = Files.readAllBytes(fx.onnx().resolve("model.onnx"));
        byte[] stamped = Files.readAllBytes(out.resolve("onnx/model.onnx"));
        assertThat(java.util.Arrays.copyOf(stamped, original.length)).isEqualTo(original);
    }

    @Test
    void theCardHasTheHubFrontMatterAndTheSections() throws IOException {
        FrontMatter card = FrontMatter.read(out.resolve("README.md"));
        assertThat(card.string("license")).isEqualTo("apache-2.0");
        assertThat(card.strings("base_model")).containsExactly("smelt-test/tiny-base");
        assertThat(card.string("base_model_relation")).isEqualTo("finetune");
        assertThat(card.string("library_name")).isEqualTo("transformers");
        assertThat(card.strings("tags")).contains("smelt", "gguf", "lora", "onnx");
        assertThat(card.strings("datasets")).containsExactly("tiny-chat");
        assertThat(card.string("pipeline_tag")).isEqualTo("text-generation");
        assertThat(card.strings("language")).containsExactly("en");
        String text = Files.readString(out.resolve("README.md"));
        assertThat(text).contains("## Intended use", "## Training data and hyper-parameters", "## Evaluation",
                "## Edge tiers", "## How to run", "## Limitations", "| lora_alpha | 16 |", "final training loss | 2.2500 (step 2)",
                "`gguf/tiny-1.0.0-F16.gguf`", "llama-cli -m gguf/tiny-1.0.0-F16.gguf", "onnxruntime", "smelt serve --model model/");
        // the tiny model's RAM comes from its config.json through the quantizer's estimate, and fits a phone
        assertThat(text).doesNotContain("unknown (no config.json)").containsPattern("F16.gguf` \\| [^|]+ \\| [^|]+ \\| phone");
        String notice = Files.readString(out.resolve("NOTICE"));
        assertThat(notice).contains("tiny-chat (licence: cc-by-4.0)", "licence: apache-2.0", "Built with Smelt 0.1.0-test");
        assertThat(out.resolve("metrics/metrics.jsonl")).exists();
        assertThat(out.resolve("adapter/metrics.jsonl")).doesNotExist();
    }
}

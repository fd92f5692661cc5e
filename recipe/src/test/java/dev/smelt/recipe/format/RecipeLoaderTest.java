package dev.smelt.recipe.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecipeLoaderTest {
    @TempDir
    Path dir;

    private static final String GOOD = """
            name: demo
            version: 1.0.0
            vars:
              steps: 12
              who: ${env:WHO}
            base:
              tiny: {arch: qwen3}
            data:
              sources: [rows.jsonl]
              seq_len: 128
            train:
              lora:
                r: 8
              max_steps: ${steps}
            export:
              gguf:
                types: [Q8_0]
            bundle:
              license: ${who}-licence
            """;

    private Path file(String text) throws Exception {
        Files.writeString(dir.resolve("rows.jsonl"), "{\"text\": \"a\"}\n");
        Path f = dir.resolve("x.yaml");
        Files.writeString(f, text);
        return f;
    }

    private RecipeLoader loader() {
        return new RecipeLoader(Map.of("WHO", "acme")::get);
    }

    private List<String> problems(String text, String... overrides) throws Exception {
        Path f = file(text);
        try {
            loader().load(f, List.of(overrides));
        } catch (RecipeException e) {
            return e.problems();
        }
        throw new AssertionError("expected problems");
    }

    @Test
    void readsTypedRecordsWithSubstitution() throws Exception {
        RecipeLoader.Loaded l = loader().load(file(GOOD), List.of());
        Recipe r = l.recipe();
        assertThat(r.name()).isEqualTo("demo");
        assertThat(r.base().tiny().arch()).isEqualTo("qwen3");
        assertThat(r.train().lora().r()).isEqualTo(8);
        assertThat(r.train().maxSteps()).isEqualTo(12);
        assertThat(r.bundle().license()).isEqualTo("acme-licence");
        assertThat(r.export().gguf().types()).containsExactly("Q8_0");
        assertThat(l.resolve(r.data().sources().get(0))).isEqualTo(dir.resolve("rows.jsonl"));
        assertThat(l.locations().get("train.lora.r")).isEqualTo(new Location(dir.resolve("x.yaml").toString(), 13, 8));
    }

    @Test
    void badValueNamesFileLineColumnAndField() throws Exception {
        String f = dir.resolve("x.yaml").toString();
        assertThat(problems(GOOD.replace("r: 8", "r: sixteen")))
                .containsExactly(f + ":13:8: train.lora.r must be a positive integer, got \"sixteen\"");
        assertThat(problems(GOOD.replace("r: 8", "r: 0")))
                .containsExactly(f + ":13:8: train.lora.r must be a positive integer, got 0");
        assertThat(problems(GOOD.replace("seq_len: 128", "seq_len: 1.5")))
                .containsExactly(f + ":10:12: data.seq_len must be an integer above 1, got 1.5");
        assertThat(problems(GOOD.replace("arch: qwen3", "arch: gpt2")))
                .containsExactly(f + ":7:16: base.tiny.arch must be one of llama, qwen2, qwen3, qwen3_5, got \"gpt2\"");
    }

    @Test
    void unknownAndMissingKeysAreErrorsAndAllAreReported() throws Exception {
        String f = dir.resolve("x.yaml").toString();
        List<String> p = problems(GOOD.replace("    r: 8", "    rank: 8").replace("name: demo\n", ""));
        assertThat(p).containsExactly(
                f + ":1:1: name is required",
                f + ":12:5: train.lora.rank: unknown key (expected one of r, alpha, dropout, targets, rslora)");
    }

    @Test
    void checksBetweenFieldsHavePositions() throws Exception {
        String f = dir.resolve("x.yaml").toString();
        assertThat(problems(GOOD.replace("types: [Q8_0]", "types: [Q8_0, Q9_X]")))
                .singleElement().asString().startsWith(f + ":17:19: export.gguf.types[1]: unknown quantization type \"Q9_X\"");
        assertThat(problems(GOOD.replace("sources: [rows.jsonl]", "sources: [missing.jsonl]")))
                .containsExactly(f + ":9:13: data.sources[0] " + dir.resolve("missing.jsonl") + " does not exist");
        assertThat(problems(GOOD + "gates: {max_eval_loss: 2}\n"))
                .containsExactly(f + ":20:24: gates.max_eval_loss needs validation data (data.val_split or data.val_sources)");
        assertThat(problems(GOOD.replace("tiny: {arch: qwen3}", "tiny: {arch: qwen3}\n  hub: Qwen/Qwen3-0.6B-Base")))
                .containsExactly(f + ":7:3: base must have exactly one of hub, dir or tiny");
        assertThat(problems(GOOD.replace("types: [Q8_0]", "types: [Q8_0]\n  mmproj: {type: f16}"))).singleElement().asString()
                .isEqualTo(f + ":18:11: export.mmproj needs a vision tower; the tiny base has none (base.tiny.vision: true)");
        assertThat(problems(GOOD.replace("lora:\n    r: 8", "lora: [8]")))
                .containsExactly(f + ":12:9: train.lora must be a mapping, got a list");
    }

    @Test
    void substitutionErrorsNameTheVariable() throws Exception {
        String f = dir.resolve("x.yaml").toString();
        assertThat(problems(GOOD.replace("${steps}", "${stpes}")))
                .containsExactly(f + ":14:14: train.max_steps: ${stpes} is not defined (vars: steps, who)");
        assertThat(new RecipeLoader(n -> null).load(file(GOOD.replace("${env:WHO}", "x")), List.of()).recipe().bundle().license())
                .isEqualTo("x-licence");
        Path g = file(GOOD);
        assertThatThrownBy(() -> new RecipeLoader(n -> null).load(g, List.of()))
                .hasMessage(f + ":5:8: vars.who: environment variable WHO is not set");
        assertThat(loader().load(file(GOOD.replace("${who}-licence", "$${who}")), List.of()).recipe().bundle().license())
                .isEqualTo("${who}");
        assertThat(problems(GOOD.replace("steps: 12", "steps: many")))
                .containsExactly(f + ":14:14: train.max_steps must be a non-negative integer, got \"many\"");
    }

    @Test
    void overridesReplaceAndAddFields() throws Exception {
        Recipe r = loader().load(file(GOOD), List.of("train.lora.r=32", "export.gguf.types=[Q4_K_M, f16]", "vars.steps=40",
                "train.lora.dropout=0", "gates.min_top1=0.9")).recipe();
        assertThat(r.train().lora().r()).isEqualTo(32);
        assertThat(r.train().lora().dropout()).isZero();
        assertThat(r.export().gguf().types()).containsExactly("Q4_K_M", "f16");
        assertThat(r.train().maxSteps()).isEqualTo(40);
        assertThat(r.gates().minTop1()).isEqualTo(0.9);
        assertThat(problems(GOOD, "train.lora.r=sixteen"))
                .containsExactly("--set train.lora.r=sixteen: train.lora.r must be a positive integer, got \"sixteen\"");
        assertThat(problems(GOOD, "train.lora.rank=4")).singleElement().asString()
                .startsWith("--set train.lora.rank=4: train.lora.rank: unknown key");
        assertThatThrownBy(() -> loader().load(file(GOOD), List.of("train.lora.r"))).hasMessageContaining("expected KEY.PATH=VALUE");
    }

    @Test
    void yamlSyntaxErrorsHavePositions() throws Exception {
        String f = dir.resolve("x.yaml").toString();
        assertThat(problems(GOOD.replace("  seq_len: 128", "  seq_len: [128"))).singleElement().asString()
                .startsWith(f + ":").contains("not valid YAML");
        assertThat(problems(GOOD + "name: again\n")).singleElement().asString()
                .isEqualTo(f + ":20:1: duplicate key name (first at " + f + ":1:1)");
    }

    @Test
    void everyFieldIsDocumentedAndInTheSchema() {
        List<String> undocumented = new ArrayList<>();
        walk(Recipe.class, "", undocumented);
        assertThat(undocumented).isEmpty();
        var schema = RecipeSchema.schema();
        assertThat(schema.get("additionalProperties").asBoolean()).isFalse();
        assertThat(schema.at("/required").toString()).contains("name", "version", "base", "data");
        var r = schema.at("/properties/train/properties/lora/properties/r");
        assertThat(r.get("type").asText()).isEqualTo("integer");
        assertThat(r.get("exclusiveMinimum").asDouble()).isZero();
        assertThat(schema.at("/properties/push/properties/private/type").asText()).isEqualTo("boolean");
        assertThat(schema.at("/properties/bundle/properties/format/enum").toString()).isEqualTo("[\"tar.gz\",\"tar.zst\",\"zip\"]");
        assertThat(schema.at("/properties/train/properties/lora/additionalProperties").asBoolean(true)).isFalse();
    }

    private static void walk(Class<?> type, String path, List<String> missing) {
        for (RecordComponent c : type.getRecordComponents()) {
            String p = path + "." + Binder.key(c);
            if (c.getAnnotation(Doc.class) == null) missing.add(p);
            if (c.getType().isRecord()) walk(c.getType(), p, missing);
        }
    }
}

package dev.smelt.converter.hf;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCardTest {
    @TempDir Path dir;

    private ModelCard card(String text) throws Exception {
        Path p = dir.resolve("README.md");
        Files.writeString(p, text);
        return ModelCard.read(p);
    }

    @Test
    void readsLicenseAndBaseModelsInTheFormsTheHubWrites() throws Exception {
        assertThat(card("---\nlicense: apache-2.0\nbase_model: Qwen/Qwen3-0.6B\ntags:\n- x\n---\n# body\nlicense: mit\n"))
                .isEqualTo(new ModelCard("apache-2.0", List.of("Qwen/Qwen3-0.6B")));
        assertThat(card("---\nlicense: \"other\"\nbase_model:\n  - a/b\n  - 'c/d'\nlanguage:\n- en\n---\n"))
                .isEqualTo(new ModelCard("other", List.of("a/b", "c/d")));
        assertThat(card("---\nbase_model: [a/b, c/d]\n---\n").baseModels()).containsExactly("a/b", "c/d");
        assertThat(card("# no front matter\nlicense: mit\n")).isEqualTo(new ModelCard(null, List.of()));
        assertThat(ModelCard.read(dir.resolve("missing.md"))).isEqualTo(new ModelCard(null, List.of()));
    }
}

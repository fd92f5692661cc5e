package dev.smelt.recipe.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every recipe in the repository's recipes/ folder validates and says what hardware it expects. */
class ShippedRecipesTest {
    static final Path RECIPES = Path.of("..", "recipes");

    @Test
    void everyShippedRecipeValidates() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(RECIPES)) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(files.stream().map(p -> p.getFileName().toString())).contains("ci-smoke.yaml", "qwen3.5-0.8b-phone.yaml",
                "qwen3.5-2b-phone.yaml", "qwen3.5-4b-laptop.yaml", "qwen3.5-9b-gpu.yaml", "qwen3-0.6b-laptop.yaml");
        for (Path f : files) {
            RecipeLoader.Loaded l = new RecipeLoader(n -> null).load(f, List.of());
            assertThat(l.recipe().name()).as(f.toString()).isEqualTo(f.getFileName().toString().replace(".yaml", ""));
            assertThat(Files.readString(f)).as(f + " states its hardware").contains("# Hardware: ");
        }
    }
}

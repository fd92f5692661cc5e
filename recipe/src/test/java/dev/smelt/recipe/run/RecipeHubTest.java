package dev.smelt.recipe.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.core.model.Architecture;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import dev.smelt.hub.HubClient;
import dev.smelt.hub.HubSettings;
import dev.smelt.recipe.format.RecipeLoader;
import dev.smelt.testkit.hub.FakeHub;
import dev.smelt.testkit.hub.RepoKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A recipe whose base is a Hub repository and that pushes its bundle, against the loopback fake Hub. */
class RecipeHubTest {
    @TempDir
    Path tmp;

    @Test
    void pullsTheBaseAndPushesTheBundle() throws Exception {
        try (FakeHub hub = FakeHub.start(tmp.resolve("server"))) {
            hub.acceptToken("hf_recipe_token");
            Path model = tmp.resolve("tiny");
            TinyModelWriter.write(TinyModelSpec.builder(Architecture.QWEN3).seed(3).build(), model);
            Map<String, Path> files = new LinkedHashMap<>();
            try (Stream<Path> s = Files.list(model)) {
                s.forEach(p -> files.put(p.getFileName().toString(), p));
            }
            String commit = hub.repo(RepoKind.MODEL, "org/tiny").commit("main", files);
            Path cache = tmp.resolve("cache");
            HubSettings settings = HubSettings.fromEnvironment(Map.of(), tmp).withEndpoint(hub.endpoint()).withHubCache(cache)
                    .withToken("hf_recipe_token");
            Path data = Path.of("..", "recipes", "data", "quickstart.jsonl").toAbsolutePath().normalize();
            Path recipe = tmp.resolve("hub.yaml");
            Files.writeString(recipe, """
                    name: hub-test
                    version: 1.0.0
                    base: {hub: org/tiny, revision: main}
                    data: {sources: [%s], seq_len: 96, packing: false}
                    train: {max_steps: 2, batch_size: 2}
                    bundle: {format: zip}
                    push: {repo: me/hub-test, private: true}
                    """.formatted(data));
            RecipeLoader.Loaded l = new RecipeLoader(n -> null).load(recipe, List.of());
            RunOptions o = new RunOptions(tmp.resolve("work"), null, false, "test",
                    () -> HubClient.builder().settings(settings).build(), null, false);
            RunReport r = new RecipeRunner().run(l, o);
            assertThat(r.exitCode()).as(r.message()).isZero();
            assertThat(r.steps().get(0).artefacts().get(0).path()).isEqualTo(cache.resolve("models--org--tiny/snapshots/" + commit).toString());
            String adapterConfig = Files.readString(Path.of(r.steps().get(1).dir(), "adapter", "adapter_config.json"));
            assertThat(adapterConfig).contains("\"base_model_name_or_path\" : \"org/tiny\"");
            RunReport.StepReport push = r.steps().get(r.steps().size() - 1);
            assertThat(push.name()).isEqualTo("push");
            assertThat((String) push.values().get("commit")).startsWith(hub.endpoint() + "/me/hub-test/commit/");

            RunReport again = new RecipeRunner().run(l, o);
            assertThat(again.steps()).allMatch(s -> s.state().equals("cached"));
        }
    }
}

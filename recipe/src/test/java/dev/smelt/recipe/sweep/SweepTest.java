package dev.smelt.recipe.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smelt.core.SmeltException;
import dev.smelt.recipe.format.RecipeException;
import dev.smelt.recipe.format.RecipeLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trial order and names, grid key checks, the recipe's sweep: section and customers files. */
class SweepTest {
    @TempDir
    Path dir;

    static final Path DATA = Path.of("..", "recipes", "data").toAbsolutePath().normalize();

    Path recipe(String extra) throws Exception {
        Path f = dir.resolve("r.yaml");
        Files.writeString(f, """
                name: sw
                version: 1
                base: {tiny: {arch: qwen3}}
                data: {sources: [%s/quickstart.jsonl]}
                """.formatted(DATA) + extra);
        return f;
    }

    @Test
    void theFirstGridKeyVariesSlowestAndTrialIIsIndexI() {
        Sweep s = Sweep.grid(List.of("train.optimizer.lr=1e-4,2e-4", "train.lora.r=8,16,32"));
        assertThat(s.size()).isEqualTo(6);
        assertThat(s.trials()).extracting(Trial::overrides).containsExactly(
                List.of("train.optimizer.lr=1e-4", "train.lora.r=8"),
                List.of("train.optimizer.lr=1e-4", "train.lora.r=16"),
                List.of("train.optimizer.lr=1e-4", "train.lora.r=32"),
                List.of("train.optimizer.lr=2e-4", "train.lora.r=8"),
                List.of("train.optimizer.lr=2e-4", "train.lora.r=16"),
                List.of("train.optimizer.lr=2e-4", "train.lora.r=32"));
        assertThat(s.trials()).extracting(Trial::name)
                .containsExactly("t0-lr1e-4-r8", "t1-lr1e-4-r16", "t2-lr1e-4-r32", "t3-lr2e-4-r8", "t4-lr2e-4-r16", "t5-lr2e-4-r32");
        for (int i = 0; i < s.size(); i++) assertThat(s.trial(i).index()).isEqualTo(i);
        // deterministic: a second expansion is the same list
        assertThat(Sweep.grid(List.of("train.optimizer.lr=1e-4,2e-4", "train.lora.r=8,16,32")).trials()).isEqualTo(s.trials());
        assertThat(s.trial(4).releaseName("sw")).isEqualTo("sw-t4-lr2e-4-r16");
        assertThat(s.trial(4).dirName()).isEqualTo("trial-4");
    }

    @Test
    void listValuesKeepTheirCommas() {
        Sweep s = Sweep.grid(List.of("export.gguf.types=[Q8_0,Q4_K_M],[Q4_0]"));
        assertThat(s.trials()).extracting(Trial::overrides)
                .containsExactly(List.of("export.gguf.types=[Q8_0,Q4_K_M]"), List.of("export.gguf.types=[Q4_0]"));
        assertThat(s.trial(0).name()).isEqualTo("t0-typesQ8_0Q4_K_M");
    }

    @Test
    void aGridKeyThatIsNoFieldIsOneLineNamingIt() {
        assertThatThrownBy(() -> Sweep.grid(List.of("train.lr=1e-4,2e-4"))).isInstanceOf(SmeltException.class)
                .hasMessage("--grid train.lr: no such recipe field train.lr (train has lora, optimizer, epochs, max_steps, batch_size, "
                        + "grad_accum, seed, devices, precision, eval_every, save_every, keep_checkpoints; did you mean "
                        + "train.optimizer.lr?)");
        assertThatThrownBy(() -> Sweep.grid(List.of("train.lora.r.x=1"))).hasMessage(
                "--grid train.lora.r.x: no such recipe field train.lora.r.x (train.lora.r is a value, not a mapping)");
        assertThatThrownBy(() -> Sweep.grid(List.of("name=a,b"))).hasMessageStartingWith("--grid name: a sweep cannot vary name");
        assertThatThrownBy(() -> Sweep.grid(List.of("train.lora.r"))).hasMessageStartingWith("--grid train.lora.r: expected KEY=V1,V2");
        assertThatThrownBy(() -> Sweep.grid(List.of("train.lora.r=8,,16"))).hasMessageStartingWith("--grid train.lora.r: every value");
        assertThatThrownBy(() -> Sweep.grid(List.of("train.lora.r=8", "train.lora.r=16"))).hasMessage("--grid train.lora.r: given twice");
        assertThat(Sweep.grid(List.of("vars.data=a.jsonl,b.jsonl")).size()).isEqualTo(2);
        assertThatThrownBy(() -> Sweep.grid(List.of("train.lora.r=8,16")).trial(2))
                .hasMessage("--trial 2: the sweep has 2 trials (0-1)");
    }

    @Test
    void aValueThatDoesNotFitItsFieldFailsValidationNamingTheTrial() throws Exception {
        Path f = recipe("");
        RecipeLoader loader = new RecipeLoader(n -> null);
        Sweep s = Sweep.grid(List.of("train.lora.r=8,sixteen"));
        assertThatThrownBy(() -> s.validate(loader, f, List.of(), "sw")).isInstanceOf(RecipeException.class)
                .hasMessage("trial 1 (t1-rsixteen): --set train.lora.r=sixteen: train.lora.r must be a positive integer, got \"sixteen\"");
        RecipeLoader.Loaded l = Sweep.load(loader, f, List.of("train.seed=3"), "sw", s.trial(0));
        assertThat(l.recipe().name()).isEqualTo("sw-t0-r8");
        assertThat(l.recipe().train().lora().r()).isEqualTo(8);
        assertThat(l.recipe().train().seed()).isEqualTo(3);
    }

    @Test
    void theRecipesSweepSectionIsTheDefaultGridAndIsChecked() throws Exception {
        Path f = recipe("""
                sweep:
                  grid:
                    train.optimizer.lr: [1e-4, 2e-4]
                    train.lora.r: 8
                """);
        RecipeLoader.Loaded l = new RecipeLoader(n -> null).load(f, List.of());
        Sweep s = Sweep.resolve(l, List.of(), null);
        assertThat(s.source()).isEqualTo(Sweep.Source.RECIPE);
        assertThat(s.trials()).extracting(Trial::name).containsExactly("t0-lr1e-4-r8", "t1-lr2e-4-r8");
        // --grid replaces the section
        assertThat(Sweep.resolve(l, List.of("train.lora.r=4,8,16"), null).size()).isEqualTo(3);

        Path bad = recipe("""
                sweep:
                  grid:
                    train.lr: [1e-4, 2e-4]
                """);
        assertThatThrownBy(() -> new RecipeLoader(n -> null).load(bad, List.of())).isInstanceOf(RecipeException.class)
                .hasMessageStartingWith(bad + ":7:15: sweep.grid.train.lr: no such recipe field train.lr (")
                .hasMessageContaining("did you mean train.optimizer.lr?");
        Path none = recipe("");
        RecipeLoader.Loaded plain = new RecipeLoader(n -> null).load(none, List.of());
        assertThatThrownBy(() -> Sweep.resolve(plain, List.of(), null))
                .hasMessage(none + ": no trials: give --grid KEY=V1,V2 or --customers FILE, or add a sweep: section");
        assertThatThrownBy(() -> Sweep.resolve(plain, List.of("train.lora.r=8"), dir.resolve("c.yaml")))
                .hasMessage("--grid and --customers: give one of them, not both");
    }

    @Test
    void customersAreTrialsInFileOrderWithQuotedValues() throws Exception {
        Path c = dir.resolve("customers.yaml");
        Files.writeString(c, """
                customers:
                  - name: acme
                    set:
                      vars.data: hf://datasets/acme/tickets@3f1c2e0/train.jsonl
                      train.lora.r: 8
                  - name: globex
                    set: {push.repo: globex/support, export.gguf.types: [Q8_0, Q4_K_M]}
                """);
        List<Trial> ts = Sweep.customers(c).trials();
        assertThat(ts).extracting(Trial::name).containsExactly("acme", "globex");
        assertThat(ts.get(0).overrides()).containsExactly("vars.data=\"hf://datasets/acme/tickets@3f1c2e0/train.jsonl\"", "train.lora.r=8");
        assertThat(ts.get(1).overrides()).containsExactly("push.repo=globex/support", "export.gguf.types=[Q8_0, Q4_K_M]");
        assertThat(ts.get(1).index()).isEqualTo(1);

        Files.writeString(c, """
                customers:
                  - name: acme
                    set: {train.lr: 1}
                  - name: acme
                  - nom: x
                """);
        assertThatThrownBy(() -> Sweep.customers(c)).isInstanceOfSatisfying(RecipeException.class, e -> assertThat(e.problems())
                .containsExactly(
                        c + ":3:11: customers[0].set.train.lr: no such recipe field train.lr (train has lora, optimizer, epochs, "
                                + "max_steps, batch_size, grad_accum, seed, devices, precision, eval_every, save_every, "
                                + "keep_checkpoints; did you mean train.optimizer.lr?)",
                        c + ":4:11: customers[1].name acme is given twice",
                        c + ":5:5: customers[2].nom: unknown key (expected name, set)",
                        c + ":5:5: customers[2].name is required"));
    }
}

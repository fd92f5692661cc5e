package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.cli.Smelt;
import dev.smelt.testkit.cli.CliRunner.Result;
import dev.smelt.testkit.cli.CliRunner;
import dev.smelt.trainer.sft.TrainConfig;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The trainer names its settings; smelt train shows them as the flags the user typed. */
class TrainCommandTest {
    @TempDir Path tmp;

    private static final CliRunner SMELT = new CliRunner(Smelt::run);

    @Test
    void settingErrorsNameTheFlag() {
        Path model = tmp.resolve("model");
        assertThat(SMELT.run("create-tiny", "--arch", "llama", "--out", model.toString()).code()).isZero();
        String[][] cases = {
            {"--lr", "0", "smelt: error: --lr must be > 0, got 0.0"},
            {"--lora-r", "0", "smelt: error: --lora-r must be a positive integer, got 0"},
            {"--batch-size", "0", "smelt: error: --batch-size must be >= 1, got 0"},
            {"--epochs", "0", "smelt: error: --epochs must be >= 1 (or set --max-steps)"},
            {"--keep-checkpoints", "0", "smelt: error: --keep-checkpoints must be >= 1, got 0"},
        };
        for (String[] c : cases) {
            Path out = tmp.resolve("out" + c[0]);
            Result r = SMELT.run("train", "--model", model.toString(), "--data", tmp.resolve("absent.jsonl").toString(),
                    "--out", out.toString(), c[0], c[1]);
            assertThat(r.code()).as(c[0]).isEqualTo(1);
            assertThat(r.err().strip()).as(c[0]).isEqualTo(c[2]);
            assertThat(out).as("nothing written for " + c[0]).doesNotExist();
        }
    }

    @Test
    void everySettingWithAFlagIsInTheTableAndEveryFlagInItExists() {
        CommandLine.Model.CommandSpec spec = new CommandLine(new TrainCommand()).getCommandSpec();
        TrainCommand.FLAGS.forEach((setting, flag) -> assertThat(spec.findOption(flag)).as(setting + " -> " + flag).isNotNull());
        Set<String> noFlag = Set.of("lora", "warmupShare", "baseModelName", "baseModelRevision");
        List<String> settings = new ArrayList<>(List.of("lora.r", "lora.alpha", "lora.dropout", "lora.targets"));
        for (RecordComponent c : TrainConfig.class.getRecordComponents()) {
            if (!noFlag.contains(c.getName())) settings.add(c.getName());
        }
        assertThat(TrainCommand.FLAGS.keySet()).containsAll(settings);
    }
}

package dev.smelt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.testkit.cli.CliRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine;

/**
 * One spelling per flag: every command names devices, precision and threads the same way, with the same value
 * syntax, and the READMEs name only flags that the command they show has.
 */
class FlagSpellingTest {
    /** The commands that run a model, and the engine flags each must have. */
    private static final Map<String, Set<String>> ENGINE_FLAGS = Map.of(
            "smelt generate", Set.of("--devices", "--precision", "--threads"),
            "smelt imatrix", Set.of("--devices", "--precision", "--threads"),
            "smelt quant-report", Set.of("--devices", "--precision", "--threads"),
            "smelt serve", Set.of("--devices", "--precision", "--threads"),
            "smelt train", Set.of("--devices", "--precision", "--threads"),
            "smelt bench train", Set.of("--devices", "--precision", "--threads"),
            "smelt bench delta-rule", Set.of("--devices", "--threads"),
            "smelt bench generate", Set.of("--threads"));

    private static Map<String, CommandSpec> commands() {
        Map<String, CommandSpec> all = new LinkedHashMap<>();
        collect(Smelt.commandLine(), all);
        return all;
    }

    private static void collect(CommandLine cl, Map<String, CommandSpec> into) {
        into.put(cl.getCommandSpec().qualifiedName(), cl.getCommandSpec());
        for (CommandLine sub : cl.getSubcommands().values()) collect(sub, into);
    }

    @Test
    void devicesPrecisionAndThreadsHaveOneSpellingEach() {
        List<String> offenders = new ArrayList<>();
        for (var e : commands().entrySet()) {
            for (OptionSpec o : e.getValue().options()) {
                for (String name : o.names()) {
                    String n = name.toLowerCase();
                    boolean ok;
                    if (n.equals("--gpus") && e.getKey().equals("smelt fleet submit")) {
                        // not a device choice: how many nvidia.com/gpu each Kubernetes pod requests (the trials then
                        // train on gpu0..gpuN-1 through --devices' syntax in the recipe)
                        ok = true;
                    } else if (n.contains("device") || n.equals("--gpu") || n.equals("--gpus")) {
                        ok = n.equals("--devices");
                    } else if (n.contains("precision") || n.contains("fp16") || n.equals("--half")) {
                        ok = n.equals("--precision");
                    } else if (n.contains("thread")) {
                        ok = n.equals("--threads") || n.equals("--data-threads");
                    } else if (n.contains("dtype")) {
                        // --dtype names the tensor type a command writes to disk, never what a model computes in
                        ok = n.equals("--dtype") && e.getValue().findOption("--devices") == null;
                    } else {
                        ok = true;
                    }
                    if (!ok) offenders.add(e.getKey() + " " + name);
                }
            }
        }
        assertThat(offenders).as("non-canonical spellings").isEmpty();
    }

    @Test
    void everyCommandThatRunsAModelHasTheEngineFlagsWithTheSameSyntax() {
        Map<String, CommandSpec> all = commands();
        for (var e : ENGINE_FLAGS.entrySet()) {
            CommandSpec spec = all.get(e.getKey());
            assertThat(spec).as(e.getKey()).isNotNull();
            for (String flag : e.getValue()) assertThat(spec.findOption(flag)).as(e.getKey() + " " + flag).isNotNull();
        }
        for (var e : all.entrySet()) {
            String cmd = e.getKey();
            OptionSpec devices = e.getValue().findOption("--devices");
            if (devices != null) {
                assertThat(devices.paramLabel()).as(cmd).startsWith("cpu|gpuN");
                assertThat(devices.defaultValue()).as(cmd).isEqualTo("cpu");
            }
            OptionSpec precision = e.getValue().findOption("--precision");
            if (precision != null) assertThat(precision.paramLabel()).as(cmd).isEqualTo("auto|fp32|fp16");
            OptionSpec threads = e.getValue().findOption("--threads");
            if (threads != null) {
                // --threads is the compute threads of a command's own work: PyTorch's wherever a model runs
                assertThat(threads.paramLabel()).as(cmd).isEqualTo("N");
                if (ENGINE_FLAGS.containsKey(cmd)) assertThat(threads.description()[0]).as(cmd).startsWith("PyTorch CPU threads");
            }
            OptionSpec dataThreads = e.getValue().findOption("--data-threads");
            if (dataThreads != null) {
                assertThat(dataThreads.description()[0]).as(cmd).startsWith("Data rendering and tokenization threads");
            }
        }
    }

    @Test
    void oneDeviceCommandsRefuseAListAndEveryCommandRefusesBf16InOneLine() {
        CliRunner smelt = new CliRunner(Smelt::run);
        CliRunner.Result r = smelt.run("generate", "--model", "no-such-model", "--devices", "gpu0,gpu1", "--prompt", "x");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo(
                "smelt: error: devices gpu0,gpu1: one device expected (cpu or gpuN); only training runs on several\n");
        r = smelt.run("serve", "--model", "no-such-model", "--precision", "bf16");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("smelt: error: precision bf16 is not available: ").hasLineCount(1);
    }

    /** `smelt CMD ... --flag ...` in inline code or in a code block line. */
    private static final Pattern SMELT_SPAN = Pattern.compile("(?:`|^)(?:\\./)?smelt ([^`]+)");
    private static final Pattern FLAG = Pattern.compile("(?<![\\w-])--[a-z][a-z0-9-]*");

    private static final Pattern TABLE_ROW = Pattern.compile("\\|\\s*`(?:\\./)?smelt ");

    /** The deepest subcommand named by the leading words of {@code text}. */
    private static CommandLine command(CommandLine root, String text) {
        CommandLine cmd = root;
        for (String w : text.trim().split("\\s+")) {
            CommandLine sub = cmd.getSubcommands().get(w);
            if (sub == null) break;
            cmd = sub;
        }
        return cmd;
    }

    @Test
    void readmesNameOnlyFlagsTheirCommandsHave() throws IOException {
        Path root = Path.of("").toAbsolutePath();
        while (!Files.isRegularFile(root.resolve("CONTRIBUTING.md"))) root = root.getParent();
        List<Path> docs = new ArrayList<>(List.of(root.resolve("README.md"), root.resolve("CONTRIBUTING.md")));
        try (Stream<Path> modules = Files.list(root)) {
            modules.map(m -> m.resolve("README.md")).filter(Files::isRegularFile).forEach(docs::add);
        }
        CommandLine smelt = Smelt.commandLine();
        List<String> unknown = new ArrayList<>();
        int checked = 0;
        for (Path doc : docs) {
            for (String line : Files.readAllLines(doc)) {
                Matcher m = SMELT_SPAN.matcher(line);
                boolean commandRow = TABLE_ROW.matcher(line).lookingAt();
                while (m.find()) {
                    // in a table row that starts with a command, the whole row describes that command's flags
                    String text = commandRow ? line.substring(m.start(1)) : m.group(1);
                    CommandSpec spec = command(smelt, m.group(1)).getCommandSpec();
                    Matcher f = FLAG.matcher(text);
                    while (f.find()) {
                        String flag = f.group();
                        boolean known = spec.findOption(flag) != null
                                || (flag.startsWith("--no-") && spec.findOption("--" + flag.substring(5)) != null);
                        if (!known) unknown.add(root.relativize(doc) + ": " + spec.qualifiedName() + " " + flag);
                        checked++;
                    }
                    if (commandRow) break;
                }
            }
        }
        assertThat(checked).as("flags found in the READMEs").isGreaterThan(30);
        assertThat(unknown).as("flags the command does not have").isEmpty();
    }
}

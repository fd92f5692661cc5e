package dev.smelt.cli;

import dev.smelt.cli.commands.BenchCommand;
import dev.smelt.cli.commands.BundleCommand;
import dev.smelt.cli.commands.CompletionCommand;
import dev.smelt.cli.commands.ConvertCommand;
import dev.smelt.cli.commands.CreateTinyCommand;
import dev.smelt.cli.commands.DataCommand;
import dev.smelt.cli.commands.GenerateCommand;
import dev.smelt.cli.commands.InspectCommand;
import dev.smelt.cli.commands.PullCommand;
import dev.smelt.cli.commands.PushCommand;
import dev.smelt.cli.commands.ServeCommand;
import dev.smelt.cli.commands.TrainCommand;
import dev.smelt.core.privacy.DjlTelemetry;
import dev.smelt.cli.commands.MergeCommand;
import dev.smelt.cli.commands.ImatrixCommand;
import dev.smelt.cli.commands.QuantReportCommand;
import dev.smelt.cli.commands.QuantizeCommand;
import dev.smelt.cli.commands.QuickstartCommand;
import dev.smelt.cli.commands.RecipeCommand;
import dev.smelt.cli.commands.SweepCommand;
import dev.smelt.cli.commands.FleetCommand;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the {@code smelt} command. Subcommands are listed here, one class each under
 * {@code dev.smelt.cli.commands}; exit codes: 0 ok, 1 failure, 2 usage error.
 */
@Command(
        name = "smelt",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Fine-tune, quantize and package open models.",
        subcommands = {
            CommandLine.HelpCommand.class,
            CompletionCommand.class,
            PullCommand.class,
            PushCommand.class,
            BenchCommand.class,
            InspectCommand.class,
            ConvertCommand.class,
            QuantizeCommand.class,
            ImatrixCommand.class,
            QuantReportCommand.class,
            BundleCommand.class,
            CreateTinyCommand.class,
            DataCommand.class,
            GenerateCommand.class,
            ServeCommand.class,
            TrainCommand.class,
            MergeCommand.class,
            QuickstartCommand.class,
            RecipeCommand.class,
            SweepCommand.class,
            FleetCommand.class,
        })
public final class Smelt implements Runnable {
    static {
        // before any command class touches DJL, which calls home on engine and tokenizer creation otherwise
        DjlTelemetry.disable();
    }

    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    GlobalOptions global;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static CommandLine commandLine() {
        GlobalOptions.reset();
        CommandLine cl = new CommandLine(new Smelt());
        cl.setExecutionExceptionHandler(new ErrorHandler());
        cl.setParameterExceptionHandler(new UsageErrorHandler());
        cl.setExitCodeExceptionMapper(t -> t instanceof CommandLine.ParameterException ? EXIT_USAGE : EXIT_FAILURE);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        addHelpOptions(cl);
        HelpWrap.install(cl);
        return cl;
    }

    /** Every subcommand answers -h/--help, however deep (unless it declares its own). */
    private static void addHelpOptions(CommandLine cl) {
        for (CommandLine sub : cl.getSubcommands().values()) {
            CommandLine.Model.CommandSpec spec = sub.getCommandSpec();
            if (spec.findOption("--help") == null && !(sub.getCommand() instanceof CommandLine.HelpCommand)) {
                String[] names = spec.findOption("-h") == null ? new String[] {"-h", "--help"} : new String[] {"--help"};
                spec.addOption(CommandLine.Model.OptionSpec.builder(names).usageHelp(true)
                        .description("Show this help message and exit.").build());
            }
            addHelpOptions(sub);
        }
    }

    /** Runs the CLI with the given streams; used by main and by tests. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = commandLine();
        cl.setOut(out);
        cl.setErr(err);
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    public static void main(String[] args) {
        int code = commandLine().execute(args);
        System.out.flush();
        System.exit(code);
    }
}

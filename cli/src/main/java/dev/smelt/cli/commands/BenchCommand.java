package dev.smelt.cli.commands;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code smelt bench <what>}: benchmarks that print a ratio against a baseline measured in the same run.
 * Each benchmark is a subcommand listed here.
 */
@Command(name = "bench", description = "Benchmarks; each prints a ratio to a baseline measured in the same run.",
        subcommands = {
            CommandLine.HelpCommand.class,
            BenchPullCommand.class,
            BenchDeltaRuleCommand.class,
            BenchVisionCommand.class,
            BenchGenerateCommand.class,
            BenchOnnxCommand.class,
            BenchDataCommand.class,
            BenchPrepareCommand.class,
            BenchTrainCommand.class,
            BenchQuantizeCommand.class,
            BenchBundleCommand.class,
        })
public final class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}

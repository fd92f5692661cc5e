package dev.smelt.cli.commands;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code smelt data <what>}: tools for task data. */
@Command(name = "data", description = "Inspect task data the way training will see it, or prepare it once into Parquet shards.",
        subcommands = {CommandLine.HelpCommand.class, DataInspectCommand.class, DataPrepareCommand.class})
public final class DataCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}

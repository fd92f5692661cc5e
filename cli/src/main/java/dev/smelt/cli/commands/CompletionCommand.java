package dev.smelt.cli.commands;

import dev.smelt.cli.Smelt;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "completion", description = "Print a shell completion script (source it: . <(smelt completion bash)).")
public final class CompletionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", description = "Shell: ${COMPLETION-CANDIDATES}")
    Shell shell;

    public enum Shell { bash, zsh }

    @Override
    public Integer call() {
        // picocli's script works for bash and for zsh with bashcompinit
        String script = AutoComplete.bash("smelt", Smelt.commandLine());
        spec.commandLine().getOut().print(script);
        spec.commandLine().getOut().flush();
        return 0;
    }
}

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

    @Parameters(index = "0", paramLabel = "SHELL", description = "Shell: ${COMPLETION-CANDIDATES} (zsh is refused: the script is not made for it).")
    Shell shell;

    /** Only bash: picocli writes a bash script, and zsh (through bashcompinit) is refused rather than half-supported. */
    public enum Shell { bash }

    @Override
    public Integer call() {
        String script = AutoComplete.bash("smelt", Smelt.commandLine());
        spec.commandLine().getOut().print(script);
        spec.commandLine().getOut().flush();
        return 0;
    }
}

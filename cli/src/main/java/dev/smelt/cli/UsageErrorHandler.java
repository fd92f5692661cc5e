package dev.smelt.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * A usage error (unknown option, missing or malformed value, a value out of range) is one line
 * {@code smelt: error: …}, picocli's "did you mean" suggestions when it has some, and a hint naming the help of the
 * command at fault ({@code see smelt generate -h}); exit 2. The full help is printed only when asked for.
 */
public final class UsageErrorHandler implements IParameterExceptionHandler {
    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        return report(ex);
    }

    static int report(ParameterException ex) {
        CommandLine cl = ex.getCommandLine();
        PrintWriter err = cl.getErr();
        err.println("smelt: error: " + String.valueOf(ex.getMessage()).replace('\n', ' ').replace('\r', ' '));
        UnmatchedArgumentException.printSuggestions(ex, err);
        err.println("see " + cl.getCommandSpec().qualifiedName() + " -h");
        if (GlobalOptions.verbose()) ex.printStackTrace(err);
        err.flush();
        return Smelt.EXIT_USAGE;
    }

    /** Refuses a flag's value before any work starts: a usage error (exit 2) naming the command's help. */
    public static void require(boolean ok, CommandLine.Model.CommandSpec spec, String message) {
        if (!ok) throw new ParameterException(spec.commandLine(), message);
    }
}

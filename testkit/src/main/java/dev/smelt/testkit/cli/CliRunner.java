package dev.smelt.testkit.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * Runs a command-line entry point in-process and captures its exit code, stdout and stderr. The testkit cannot
 * depend on the CLI (the CLI depends on it), so the entry point is passed in:
 * <pre>{@code
 * static final CliRunner SMELT = new CliRunner(Smelt::run);
 * CliRunner.Result r = SMELT.run("inspect", dir.toString());
 * }</pre>
 */
public final class CliRunner {
    /** A {@code main} that writes to the given streams and returns its exit code ({@code Smelt::run}). */
    @FunctionalInterface
    public interface EntryPoint {
        int run(PrintWriter out, PrintWriter err, String... args);
    }

    /** What one run printed and returned. */
    public record Result(int code, String out, String err) {}

    private final EntryPoint entry;

    public CliRunner(EntryPoint entry) {
        this.entry = entry;
    }

    public Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = entry.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }
}

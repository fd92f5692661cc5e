package dev.smelt.cli;

import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** Options every subcommand accepts. Static because they configure the process, not one command. */
public final class GlobalOptions {
    private static boolean verbose;
    private static boolean quiet;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Print more detail, and stack traces on errors.")
    void setVerbose(boolean v) {
        verbose = v;
    }

    @Option(names = {"-q", "--quiet"}, scope = ScopeType.INHERIT,
            description = "Print only results and errors (no progress).")
    void setQuiet(boolean q) {
        quiet = q;
    }

    /** Clears flags left by a previous parse in the same JVM (tests run many command lines). */
    static void reset() {
        verbose = false;
        quiet = false;
    }

    public static boolean verbose() {
        return verbose;
    }

    public static boolean quiet() {
        return quiet;
    }
}

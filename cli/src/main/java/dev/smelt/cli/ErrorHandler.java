package dev.smelt.cli;

import dev.smelt.core.SmeltException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/** Prints a failed command's error as one line ("smelt: error: …"); the stack trace only with --verbose. */
final class ErrorHandler implements IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, ParseResult parseResult) {
        PrintWriter err = cl.getErr();
        err.println("smelt: error: " + describe(ex));
        if (GlobalOptions.verbose()) ex.printStackTrace(err);
        err.flush();
        if (ex instanceof CommandLine.ParameterException) return Smelt.EXIT_USAGE;
        return Smelt.EXIT_FAILURE;
    }

    static String describe(Throwable ex) {
        if (ex instanceof SmeltException) return oneLine(ex.getMessage());
        if (ex instanceof java.nio.file.NoSuchFileException) return oneLine(ex.getMessage()) + ": no such file";
        if (ex instanceof java.nio.file.AccessDeniedException) return oneLine(ex.getMessage()) + ": permission denied";
        if (ex instanceof java.io.IOException && ex.getMessage() != null
                && ex.getMessage().contains("No space left on device")) {
            return "disk full: " + oneLine(ex.getMessage());
        }
        if (ex instanceof java.io.UncheckedIOException && ex.getCause() != null) return describe(ex.getCause());
        String msg = ex.getMessage();
        return ex.getClass().getSimpleName() + (msg == null ? "" : ": " + oneLine(msg));
    }

    private static String oneLine(String s) {
        if (s == null) return "";
        return s.replace('\n', ' ').replace('\r', ' ');
    }
}

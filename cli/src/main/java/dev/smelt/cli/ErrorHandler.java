package dev.smelt.cli;

import dev.smelt.core.SmeltException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/** Prints a failed command's error as one line ("smelt: error: …"); the stack trace only with --verbose. */
final class ErrorHandler implements IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, ParseResult parseResult) {
        if (ex instanceof CommandLine.ParameterException pe) return UsageErrorHandler.report(pe); // a value checked in call()
        PrintWriter err = cl.getErr();
        err.println("smelt: error: " + describe(ex));
        if (GlobalOptions.verbose()) ex.printStackTrace(err);
        err.flush();
        return Smelt.EXIT_FAILURE;
    }

    static String describe(Throwable ex) {
        if (ex instanceof SmeltException) return oneLine(ex.getMessage());
        if (ex instanceof NoSuchFileException) return oneLine(ex.getMessage()) + ": no such file";
        if (ex instanceof AccessDeniedException) return oneLine(ex.getMessage()) + ": permission denied";
        if (ex instanceof IOException && ex.getMessage() != null
                && ex.getMessage().contains("No space left on device")) {
            return "disk full: " + oneLine(ex.getMessage());
        }
        if (ex instanceof UncheckedIOException && ex.getCause() != null) return describe(ex.getCause());
        String msg = ex.getMessage();
        return ex.getClass().getSimpleName() + (msg == null ? "" : ": " + oneLine(msg));
    }

    private static String oneLine(String s) {
        if (s == null) return "";
        return s.replace('\n', ' ').replace('\r', ' ');
    }
}

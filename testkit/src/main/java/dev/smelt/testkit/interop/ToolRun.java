package dev.smelt.testkit.interop;

import dev.smelt.core.SmeltException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** One run of an external interop tool: both streams drained while it runs, a time limit, a non-zero exit as an error. */
final class ToolRun {
    private ToolRun() {}

    /** What the tool wrote on stdout and stderr. */
    record Output(String out, String err) {}

    /**
     * Runs {@code pb} to its end; {@code name} is what error messages call the tool, {@code errorLines} how many of its last
     * stderr lines a failure quotes.
     */
    static Output run(ProcessBuilder pb, String name, Duration timeout, int errorLines) {
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new SmeltException("cannot start " + pb.command().get(0) + ": " + e.getMessage(), e);
        }
        CompletableFuture<String> stdout = drain(p.getInputStream());
        CompletableFuture<String> stderr = drain(p.getErrorStream());
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new SmeltException(name + " did not finish within " + timeout.toSeconds() + " s");
            }
            String out = stdout.get();
            String err = stderr.get();
            if (p.exitValue() != 0) {
                throw new SmeltException(name + " failed (exit " + p.exitValue() + "): " + lastLines(err, errorLines));
            }
            return new Output(out, err);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new SmeltException(name + " interrupted", e);
        } catch (ExecutionException e) {
            throw new SmeltException(name + ": cannot read its output: " + e.getCause().getMessage(), e);
        }
    }

    /** The last {@code n} lines of {@code s}, joined on one line for an error message. */
    static String lastLines(String s, int n) {
        List<String> lines = s.strip().lines().toList();
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }

    private static CompletableFuture<String> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
    }
}

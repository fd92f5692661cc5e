package dev.smelt.datasets.shards;

import dev.smelt.datasets.prepare.PreparationReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.LongConsumer;

/** What smelt data prepare and its Spark job print about a prepared directory, and their progress lines. */
public final class PreparedSummary {
    private PreparedSummary() {}

    /** The counts of a prepared directory: where, rows read and kept, train/validation rows, tokens and shards, seq-len. */
    public static void printCounts(PrintWriter pw, Path out, PreparedManifest m) {
        PreparationReport r = m.trainReport();
        pw.printf(Locale.ROOT, "prepared:   %s%n", out);
        pw.printf(Locale.ROOT, "rows:       %,d read%s, format %s, %,d examples kept%n", r.rows(),
                r.invalidRows() == 0 ? "" : String.format(Locale.ROOT, " (%,d invalid, skipped)", r.invalidRows()),
                r.format() == null ? "-" : r.format().cliName(), r.kept());
        pw.printf(Locale.ROOT, "train:      %,d rows%s, %,d tokens, %d shard%s%n", m.trainRows(),
                m.settings().packing() ? " (packed)" : "", tokens(m.train()), m.train().size(), m.train().size() == 1 ? "" : "s");
        if (m.validationRows() > 0) {
            pw.printf(Locale.ROOT, "validation: %,d rows, %,d tokens, %d shard%s%n", m.validationRows(), tokens(m.validation()),
                    m.validation().size(), m.validation().size() == 1 ? "" : "s");
        }
        pw.printf(Locale.ROOT, "seq-len:    %,d (%,d longer dropped, %,d truncated)%n", m.settings().seqLen(), r.droppedTooLong(),
                r.truncated());
    }

    /** A progress callback that prints {@code … N what} on {@code err} at most every two seconds. */
    public static LongConsumer progressLines(PrintWriter err, String what) {
        long[] last = {System.nanoTime()};
        return n -> {
            long now = System.nanoTime();
            if (now - last[0] > 2_000_000_000L) {
                last[0] = now;
                err.printf(Locale.ROOT, "… %,d %s%n", n, what);
                err.flush();
            }
        };
    }

    private static long tokens(List<PreparedManifest.Shard> shards) {
        return shards.stream().mapToLong(PreparedManifest.Shard::tokens).sum();
    }
}

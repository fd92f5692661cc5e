package dev.smelt.hub;

import dev.smelt.core.io.ByteSizes;
import java.io.PrintWriter;
import java.util.ArrayDeque;
import java.util.Locale;

/**
 * Renders a {@link TransferProgress} as one status line ("3/7 files  1.2 GiB / 4.0 GiB  30%  310 MiB/s  ETA 9s"):
 * redrawn in place on a terminal, or one line every {@code logEveryMillis} when the stream is a log file.
 */
public final class ProgressPrinter implements AutoCloseable {
    private static final long RATE_WINDOW_NANOS = 3_000_000_000L;

    private final TransferProgress progress;
    private final PrintWriter out;
    private final boolean interactive;
    private final long periodMillis;
    private final String label;
    private final ArrayDeque<long[]> samples = new ArrayDeque<>();
    private final Thread thread;
    private volatile boolean running = true;
    private int lastWidth;

    public ProgressPrinter(TransferProgress progress, PrintWriter out, boolean interactive, String label) {
        this.progress = progress;
        this.out = out;
        this.interactive = interactive;
        this.label = label;
        this.periodMillis = interactive ? 200 : 10_000;
        this.thread = new Thread(this::loop, "smelt-progress");
        this.thread.setDaemon(true);
    }

    public ProgressPrinter start() {
        thread.start();
        return this;
    }

    private void loop() {
        while (running) {
            try {
                Thread.sleep(periodMillis);
            } catch (InterruptedException e) {
                return;
            }
            if (running && progress.snapshot().totalFiles() > 0) draw(false);
        }
    }

    private synchronized void draw(boolean last) {
        String line = line(progress.snapshot(), System.nanoTime());
        if (interactive) {
            String padded = line + " ".repeat(Math.max(0, lastWidth - line.length()));
            lastWidth = line.length();
            out.print("\r" + padded + (last ? "\n" : ""));
        } else {
            out.println(line);
        }
        out.flush();
    }

    /** Formats the line; the rate is measured over the last few seconds of samples. */
    synchronized String line(TransferProgress.Snapshot s, long now) {
        samples.addLast(new long[] {now, s.networkBytes()});
        while (samples.size() > 2 && now - samples.peekFirst()[0] > RATE_WINDOW_NANOS) samples.removeFirst();
        long[] first = samples.peekFirst();
        double secs = (now - first[0]) / 1e9;
        double rate = secs > 0 ? (s.networkBytes() - first[1]) / secs : 0;
        StringBuilder sb = new StringBuilder();
        if (label != null) sb.append(label).append("  ");
        sb.append(s.doneFiles()).append('/').append(s.totalFiles()).append(" files  ")
                .append(bytes(s.doneBytes())).append(" / ").append(bytes(s.totalBytes()));
        if (s.totalBytes() > 0) sb.append(String.format(Locale.ROOT, "  %3d%%", (int) (100.0 * s.doneBytes() / s.totalBytes())));
        sb.append("  ").append(bytes((long) rate)).append("/s");
        long left = s.totalBytes() - s.doneBytes();
        if (rate > 1 && left > 0) sb.append("  ETA ").append(duration((long) (left / rate)));
        return sb.toString();
    }

    public static String bytes(long n) {
        return ByteSizes.format(n);
    }

    static String duration(long secs) {
        if (secs < 60) return secs + "s";
        if (secs < 3600) return (secs / 60) + "m" + String.format(Locale.ROOT, "%02d", secs % 60) + "s";
        return (secs / 3600) + "h" + String.format(Locale.ROOT, "%02d", (secs % 3600) / 60) + "m";
    }

    /** Stops the updates and draws the final state. */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (progress.snapshot().totalFiles() > 0) draw(true);
    }
}

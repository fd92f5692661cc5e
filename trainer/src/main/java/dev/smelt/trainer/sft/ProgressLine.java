package dev.smelt.trainer.sft;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/** The one live status line: step/total, loss, lr, tokens/s, ETA; rewritten in place on a terminal. */
final class ProgressLine {
    private final PrintStream out;
    private final boolean live;
    private final int logEvery;
    private int lastWidth;

    ProgressLine(PrintStream out, boolean live, int logEvery) {
        this.out = out;
        this.live = live;
        this.logEvery = Math.max(1, logEvery);
    }

    void update(int step, int total, double loss, double lr, double tokensPerSecond, double etaSeconds) {
        if (out == null) return;
        String line = String.format(Locale.ROOT, "step %d/%d  loss %.4f  lr %.2e  %,.0f tok/s  ETA %s",
                step, total, loss, lr, tokensPerSecond, eta(etaSeconds));
        if (live) {
            int pad = Math.max(0, lastWidth - line.length());
            out.print("\r" + line + " ".repeat(pad));
            lastWidth = line.length();
            out.flush();
        } else if (step % logEvery == 0 || step == total) {
            out.println(line);
        }
    }

    /** Prints a message on its own line without breaking the live line. */
    void message(String text) {
        if (out == null) return;
        if (live && lastWidth > 0) {
            out.print("\r" + " ".repeat(lastWidth) + "\r");
            lastWidth = 0;
        }
        out.println(text);
        out.flush();
    }

    void finish() {
        if (out != null && live && lastWidth > 0) {
            out.println();
            lastWidth = 0;
        }
    }

    private static String eta(double s) {
        if (!Double.isFinite(s) || s < 0) return "--:--";
        Duration d = Duration.ofSeconds((long) s);
        return d.toHours() > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", d.toHours(), d.toMinutesPart(), d.toSecondsPart())
                : String.format(Locale.ROOT, "%02d:%02d", d.toMinutesPart(), d.toSecondsPart());
    }
}

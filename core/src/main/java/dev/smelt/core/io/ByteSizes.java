package dev.smelt.core.io;

import java.util.Locale;

/** Byte counts for people: "512 B", "1.5 MiB", "256 TiB" (binary units, one decimal below 100). */
public final class ByteSizes {
    private ByteSizes() {}

    public static String format(long n) {
        if (n < 1024) return n + " B";
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : "%.1f %s", v, units[u]);
    }
}

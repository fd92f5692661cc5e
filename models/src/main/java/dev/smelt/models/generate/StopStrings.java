package dev.smelt.models.generate;

import java.util.List;

/**
 * Text-level stop sequences over streamed pieces: {@link #accept} returns only text that can no longer turn into
 * a stop string (a tail that is a prefix of one is held back), so a client never sees part of a stop string.
 * Once one occurs, the text before it is released and everything after is dropped.
 */
public final class StopStrings {
    private final List<String> stops;
    private final StringBuilder held = new StringBuilder();
    private final StringBuilder emitted = new StringBuilder();
    private boolean matched;

    public StopStrings(List<String> stops) {
        for (String s : stops) {
            if (s.isEmpty()) throw new IllegalArgumentException("a stop string must not be empty");
        }
        this.stops = List.copyOf(stops);
    }

    public boolean matched() {
        return matched;
    }

    /** Feeds a generated piece; returns the text that is now safe to show (possibly empty). */
    public String accept(String piece) {
        if (matched) return "";
        held.append(piece);
        int at = -1;
        for (String s : stops) {
            int i = held.indexOf(s);
            if (i >= 0 && (at < 0 || i < at)) at = i;
        }
        if (at >= 0) {
            matched = true;
            return release(at);
        }
        int keep = 0;
        String text = held.toString();
        for (String s : stops) {
            for (int n = Math.min(s.length() - 1, text.length()); n > keep; n--) {
                if (text.regionMatches(text.length() - n, s, 0, n)) {
                    keep = n;
                    break;
                }
            }
        }
        return release(held.length() - keep);
    }

    /** At the end of generation: the held-back tail (it did not become a stop string), or "" after a match. */
    public String finish() {
        return matched ? "" : release(held.length());
    }

    /** All text released so far. */
    public String text() {
        return emitted.toString();
    }

    private String release(int upTo) {
        String out = held.substring(0, upTo);
        String rest = held.substring(upTo);
        held.setLength(0);
        if (!matched) held.append(rest);
        emitted.append(out);
        return out;
    }
}

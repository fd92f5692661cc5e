package dev.smelt.fleet;

import dev.smelt.core.SmeltException;
import java.util.ArrayList;
import java.util.List;

/**
 * The index sets of an Indexed Job's status ({@code completedIndexes}, {@code failedIndexes}): comma-separated
 * decimal numbers and ranges in increasing order, e.g. {@code "0-2,4,6-7"}; empty or null is no index.
 */
public final class IndexRanges {
    private IndexRanges() {}

    public static List<Integer> parse(String text) {
        List<Integer> out = new ArrayList<>();
        if (text == null || text.isBlank()) return out;
        for (String part : text.split(",")) {
            String p = part.trim();
            try {
                int dash = p.indexOf('-');
                int from = Integer.parseInt(dash < 0 ? p : p.substring(0, dash));
                int to = dash < 0 ? from : Integer.parseInt(p.substring(dash + 1));
                if (from < 0 || to < from) throw new NumberFormatException();
                for (int i = from; i <= to; i++) out.add(i);
            } catch (NumberFormatException e) {
                throw new SmeltException("index ranges \"" + text + "\": \"" + p + "\" is not N or N-M with N <= M");
            }
        }
        return out;
    }

    /** The inverse of {@link #parse}: sorted distinct indexes as ranges ({@code [0,1,2,4]} -> {@code "0-2,4"}). */
    public static String format(List<Integer> indexes) {
        List<Integer> s = indexes.stream().distinct().sorted().toList();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.size(); ) {
            int j = i;
            while (j + 1 < s.size() && s.get(j + 1) == s.get(j) + 1) j++;
            if (b.length() > 0) b.append(',');
            b.append(s.get(i));
            if (j > i) b.append('-').append(s.get(j));
            i = j + 1;
        }
        return b.toString();
    }
}

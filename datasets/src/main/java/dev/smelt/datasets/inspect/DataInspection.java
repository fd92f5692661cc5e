package dev.smelt.datasets.inspect;

import dev.smelt.datasets.prepare.PreparationReport;
import dev.smelt.datasets.render.CharSpan;
import dev.smelt.datasets.source.RowLocation;
import java.util.List;

/**
 * What {@code smelt data inspect} shows: the preparation report (rows, format, token statistics,
 * what would be truncated or dropped) and one rendered example with its trained spans.
 *
 * @param sample the requested example, or null when the data holds no valid example
 */
public record DataInspection(PreparationReport report, Sample sample) {
    /** One example as the model sees it; {@code trained} are the character ranges of its trained tokens. */
    public record Sample(int index, RowLocation location, String text, List<CharSpan> trained, int tokens, int trainedTokens) {
        /** The text with every trained span wrapped in {@code open} … {@code close}. */
        public String marked(String open, String close) {
            StringBuilder sb = new StringBuilder(text.length() + trained.size() * (open.length() + close.length()));
            int at = 0;
            for (CharSpan s : trained) {
                sb.append(text, at, s.start()).append(open).append(text, s.start(), s.end()).append(close);
                at = s.end();
            }
            return sb.append(text, at, text.length()).toString();
        }
    }
}

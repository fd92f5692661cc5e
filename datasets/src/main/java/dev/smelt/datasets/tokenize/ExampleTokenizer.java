package dev.smelt.datasets.tokenize;

import dev.smelt.datasets.render.CharSpan;
import dev.smelt.datasets.render.RenderedExample;
import java.util.List;

/**
 * Tokenizes a rendered example once and labels each token by whether its first character lies in a
 * trained span. The tokenizer reports offsets in code points, the spans are UTF-16 indices; they are
 * converted when the text holds characters outside the Basic Multilingual Plane.
 */
public final class ExampleTokenizer {
    private final DatasetTokenizer tokenizer;

    public ExampleTokenizer(DatasetTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    public TokenizedExample tokenize(RenderedExample rendered) {
        String text = rendered.text();
        DatasetTokenizer.Encoded enc = tokenizer.encode(text, rendered.addSpecialTokens());
        List<CharSpan> spans = rendered.trained();
        boolean bmpOnly = text.length() == text.codePointCount(0, text.length());
        int[] starts = new int[spans.size()];
        int[] ends = new int[spans.size()];
        for (int k = 0; k < spans.size(); k++) {
            CharSpan s = spans.get(k);
            starts[k] = bmpOnly ? s.start() : text.codePointCount(0, s.start());
            ends[k] = bmpOnly ? s.end() : text.codePointCount(0, s.end());
        }
        int[] ids = enc.ids();
        int[] labels = new int[ids.length];
        int k = 0;
        for (int t = 0; t < ids.length; t++) {
            int at = enc.codePointStarts()[t];
            while (k < spans.size() && at >= ends[k]) k++;
            boolean trained = at >= 0 && k < spans.size() && at >= starts[k];
            labels[t] = trained ? ids[t] : TokenizedExample.IGNORE;
        }
        if (labels.length > 0) labels[0] = TokenizedExample.IGNORE;
        return new TokenizedExample(ids, labels);
    }
}

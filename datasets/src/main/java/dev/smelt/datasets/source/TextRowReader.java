package dev.smelt.datasets.source;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/** Plain text as rows {@code {"text": ...}}, cut by line, paragraph or whole file. */
public final class TextRowReader implements RowReader {
    private final DataFile file;
    private final TextSampling sampling;
    private final BufferedReader reader;
    private long lineNumber;
    private boolean done;

    public TextRowReader(DataFile file, TextSampling sampling) throws IOException {
        this.file = file;
        this.sampling = sampling;
        this.reader = new BufferedReader(new InputStreamReader(Inputs.open(file), StandardCharsets.UTF_8), 1 << 16);
    }

    @Override
    public RawRow next() throws IOException {
        if (done) return null;
        String line;
        StringBuilder block = new StringBuilder();
        long start = 0;
        while ((line = reader.readLine()) != null) {
            lineNumber++;
            switch (sampling) {
                case LINE -> {
                    if (!line.isBlank()) return row(lineNumber, line);
                }
                case PARAGRAPH -> {
                    if (line.isBlank()) {
                        if (block.length() > 0) return row(start, block.toString());
                    } else {
                        if (block.length() == 0) start = lineNumber;
                        else block.append('\n');
                        block.append(line);
                    }
                }
                case DOCUMENT -> {
                    if (block.length() > 0 || lineNumber > 1) block.append('\n');
                    block.append(line);
                }
            }
        }
        done = true;
        if (sampling == TextSampling.PARAGRAPH && block.length() > 0) return row(start, block.toString());
        if (sampling == TextSampling.DOCUMENT && !block.toString().isBlank()) return row(1, block.toString());
        return null;
    }

    private RawRow row(long line, String text) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("text", text);
        return RawRow.of(RowLocation.line(file, line), node);
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}

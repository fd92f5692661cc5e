package dev.smelt.datasets.source;

import java.io.IOException;
import java.util.List;

/** The rows of several files, one file after another, with one file open at a time. */
public final class RowStream implements RowReader {
    private final List<DataFile> files;
    private final TextSampling textSampling;
    private int nextFile;
    private RowReader current;

    public RowStream(List<DataFile> files, TextSampling textSampling) {
        this.files = List.copyOf(files);
        this.textSampling = textSampling;
    }

    @Override
    public RawRow next() throws IOException {
        while (true) {
            if (current == null) {
                if (nextFile >= files.size()) return null;
                current = RowReaders.open(files.get(nextFile++), textSampling);
            }
            RawRow row = current.next();
            if (row != null) return row;
            current.close();
            current = null;
        }
    }

    @Override
    public void close() throws IOException {
        if (current != null) current.close();
        current = null;
        nextFile = files.size();
    }
}

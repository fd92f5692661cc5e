package dev.smelt.datasets.source;

import dev.smelt.core.SmeltException;
import java.io.IOException;
import java.util.List;

/** The rows of several files, one file after another, with one file open at a time; a file without rows is an error. */
public final class RowStream implements RowReader {
    private final List<DataFile> files;
    private final TextSampling textSampling;
    private int nextFile;
    private RowReader current;
    private DataFile currentFile;
    private boolean currentHadRows;

    public RowStream(List<DataFile> files, TextSampling textSampling) {
        this.files = List.copyOf(files);
        this.textSampling = textSampling;
    }

    @Override
    public RawRow next() throws IOException {
        while (true) {
            if (current == null) {
                if (nextFile >= files.size()) return null;
                currentFile = files.get(nextFile++);
                current = RowReaders.open(currentFile, textSampling);
                currentHadRows = false;
            }
            RawRow row = current.next();
            if (row != null) {
                currentHadRows = true;
                return row;
            }
            current.close();
            current = null;
            // an empty file given as data is a mistake (a failed export, the wrong file), not zero rows
            if (!currentHadRows) throw new SmeltException(currentFile.displayName() + ": no rows (the file is empty)");
        }
    }

    @Override
    public void close() throws IOException {
        if (current != null) current.close();
        current = null;
        nextFile = files.size();
    }
}

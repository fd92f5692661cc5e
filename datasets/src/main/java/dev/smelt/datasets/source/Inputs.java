package dev.smelt.datasets.source;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.zip.GZIPInputStream;

/** Opens a data file for streaming, decompressing {@code .gz}. */
final class Inputs {
    private Inputs() {}

    static InputStream open(DataFile file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file.path()), 1 << 16);
        return FileKind.isGzip(file.path()) ? new GZIPInputStream(in, 1 << 16) : in;
    }
}

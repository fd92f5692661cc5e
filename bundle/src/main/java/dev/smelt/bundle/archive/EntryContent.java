package dev.smelt.bundle.archive;

import java.io.IOException;
import java.io.OutputStream;

/** Streams exactly the declared number of bytes of one archive entry. */
@FunctionalInterface
public interface EntryContent {
    void writeTo(OutputStream out) throws IOException;
}

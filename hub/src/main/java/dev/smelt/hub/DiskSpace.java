package dev.smelt.hub;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Free bytes where downloads go; an interface so the not-enough-space path can be tested. */
@FunctionalInterface
public interface DiskSpace {
    DiskSpace FILE_STORE = dir -> Files.getFileStore(dir).getUsableSpace();

    long usableBytes(Path dir) throws IOException;
}

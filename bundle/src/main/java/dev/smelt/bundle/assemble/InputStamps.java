package dev.smelt.bundle.assemble;

import dev.smelt.core.SmeltException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.List;

/**
 * Size and modification time of every input file, taken when a bundle is planned and checked before it is moved into
 * place: the archive and the checksums read the inputs in two passes, and a file changed in between would give an
 * archive whose checksums do not match its bytes.
 */
public record InputStamps(List<Stamp> stamps) {
    public record Stamp(Path file, long size, FileTime modified) {}

    static InputStamps of(List<Path> files) throws IOException {
        return new InputStamps(files.stream().distinct().map(InputStamps::stamp).toList());
    }

    void requireUnchanged() {
        for (Stamp s : stamps) {
            if (!stamp(s.file()).equals(s)) {
                throw new SmeltException(s.file() + ": changed while it was being bundled; nothing written, run again");
            }
        }
    }

    private static Stamp stamp(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return new Stamp(file, a.size(), a.lastModifiedTime());
        } catch (IOException e) {
            throw new SmeltException(file + ": cannot be read any more (" + e.getMessage() + "); nothing written");
        }
    }
}

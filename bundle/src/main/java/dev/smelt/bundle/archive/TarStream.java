package dev.smelt.bundle.archive;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Writes the bytes commons-compress's {@link TarArchiveOutputStream} writes (POSIX/pax long names and big sizes, pax
 * headers for non-ASCII names, 512-byte records, two zero records at the end, no further padding), with each entry's
 * content written straight to {@code out}: the header records come from a {@code TarArchiveOutputStream} of their own,
 * the content is padded with zeros to a whole record. commons-compress copies content through a 512-byte record
 * buffer in 512-byte writes; for gigabytes of weights that is most of the tar layer's time. {@code TarStreamTest}
 * checks the bytes against {@code TarArchiveOutputStream}'s.
 */
final class TarStream {
    static final int RECORD = 512;
    private static final byte[] ZEROS = new byte[2 * RECORD];

    private final OutputStream out;
    private final Instant mtime;

    TarStream(OutputStream out, Instant mtime) {
        this.out = out;
        this.mtime = mtime;
    }

    /** A stream configured as the archive's: the header records of an entry are what it writes for it. */
    static TarArchiveOutputStream configured(OutputStream out) {
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out, "UTF-8");
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(true);
        return tar;
    }

    /** The tar entry of a regular file: mode 0644, uid/gid 0, no owner names, the archive's mtime. */
    static TarArchiveEntry entry(String path, long size, Instant mtime) {
        TarArchiveEntry e = new TarArchiveEntry(path, true);
        e.setSize(size);
        e.setMode(TarArchiveEntry.DEFAULT_FILE_MODE);
        e.setIds(0, 0);
        e.setUserName("");
        e.setGroupName("");
        e.setModTime(FileTime.from(mtime));
        return e;
    }

    /** The header records (a pax extended header first where one is needed) of one entry. */
    static byte[] header(String path, long size, Instant mtime) throws IOException {
        ByteArrayOutputStream records = new ByteArrayOutputStream(4 * RECORD);
        configured(records).putArchiveEntry(entry(path, size, mtime));
        byte[] h = records.toByteArray();
        if (h.length == 0 || h.length % RECORD != 0) {
            throw new IllegalStateException("tar header of " + path + " is " + h.length + " bytes, not whole records");
        }
        return h;
    }

    void add(ArchiveEntry entry) throws IOException {
        out.write(header(entry.path(), entry.size(), mtime));
        Streams.writeExactly(entry, out);
        int pad = (int) ((RECORD - entry.size() % RECORD) % RECORD);
        out.write(ZEROS, 0, pad);
    }

    /** The end-of-archive marker: two zero records (commons-compress pads to its 512-byte block, i.e. not at all). */
    void finish() throws IOException {
        out.write(ZEROS);
    }
}

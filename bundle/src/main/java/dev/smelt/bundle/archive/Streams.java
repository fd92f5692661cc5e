package dev.smelt.bundle.archive;

import dev.smelt.core.SmeltException;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;

/** Stream adapters the writers need: no close of what they do not own, no flushes that would change bytes. */
final class Streams {
    private Streams() {}

    static OutputStream uncloseable(OutputStream out) {
        return new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                out.flush();
            }
        };
    }

    static InputStream uncloseable(InputStream in) {
        return new FilterInputStream(in) {
            @Override
            public void close() {}
        };
    }

    /** Runs the entry's content into {@code out}, checking it wrote exactly the declared size. */
    static void writeExactly(ArchiveEntry entry, OutputStream out) throws IOException {
        CountingOutputStream counting = new CountingOutputStream(out);
        entry.content().writeTo(counting);
        if (counting.count() != entry.size()) {
            throw new SmeltException("archive entry \"" + entry.path() + "\": wrote " + counting.count()
                    + " bytes, declared " + entry.size());
        }
    }

    private static final class CountingOutputStream extends FilterOutputStream implements RegionSink {
        private long count;

        CountingOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }

        @Override
        public void writeRegion(FileChannel in, long from, long to) throws IOException {
            FileRegion.copy(in, from, to, out);
            count += to - from;
        }

        @Override
        public void close() {}

        long count() {
            return count;
        }
    }
}

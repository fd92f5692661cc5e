package dev.smelt.spark.prepare;

import dev.smelt.datasets.source.DataFile;
import dev.smelt.datasets.source.JsonlRowReader;
import dev.smelt.datasets.source.RawRow;
import dev.smelt.datasets.source.RowReader;
import dev.smelt.datasets.source.RowReaders;
import dev.smelt.datasets.source.TextSampling;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkFiles;

/** Opens an {@link InputSplit} as rows, on an executor or on the driver, with the datasets module's readers. */
final class SplitInput {
    private SplitInput() {}

    /** The rows of {@code split}; {@code onExecutor} uses the copy Spark shipped, when there is one. */
    static RowReader open(InputSplit split, TextSampling sampling, Map<String, String> hadoopConf, boolean onExecutor)
            throws IOException {
        if (split.whole()) {
            if (split.hadoop()) {
                Path dir = Files.createTempDirectory("smelt-spark-");
                Path local = dir.resolve(Path.of(split.path().replaceAll("/+$", "")).getFileName().toString());
                try (InputStream in = hadoopStream(split, hadoopConf, 0)) {
                    Files.copy(in, local, StandardCopyOption.REPLACE_EXISTING);
                }
                RowReader reader = RowReaders.open(new DataFile(local, split.displayName(), split.kind()), sampling);
                return new RowReader() {
                    @Override
                    public RawRow next() throws IOException {
                        return reader.next();
                    }

                    @Override
                    public void close() throws IOException {
                        try {
                            reader.close();
                        } finally {
                            Files.deleteIfExists(local);
                            Files.deleteIfExists(dir);
                        }
                    }
                };
            }
            return RowReaders.open(new DataFile(localPath(split, onExecutor), split.displayName(), split.kind()), sampling);
        }
        return new JsonlRowReader(lines(split, hadoopConf, onExecutor), split.displayName(), split.linesBefore());
    }

    /**
     * The bytes of the lines that start inside the split's range: from the first line start at or after {@code start}
     * up to the first line start at or after {@code start + length} (or the end of the file).
     */
    static InputStream lines(InputSplit split, Map<String, String> hadoopConf, boolean onExecutor) throws IOException {
        long from = Math.max(0, split.start() - 1);
        InputStream raw;
        if (split.hadoop()) {
            raw = hadoopStream(split, hadoopConf, from);
        } else {
            FileChannel ch = FileChannel.open(localPath(split, onExecutor));
            ch.position(from);
            raw = Channels.newInputStream(ch);
        }
        InputStream in = new BufferedInputStream(raw, 1 << 16);
        long pos = from;
        if (split.start() > 0) { // the line the previous split owns ends at the first '\n' from start - 1
            int c;
            while ((c = in.read()) >= 0) {
                pos++;
                if (c == '\n') break;
            }
        }
        return new LineRange(in, pos, split.start() + split.length());
    }

    /** Lines (readLine's: '\n', '\r' or "\r\n" ends one) in the split, for the first pass that numbers lines. */
    static long countLines(InputSplit split, Map<String, String> hadoopConf, boolean onExecutor) throws IOException {
        try (InputStream in = lines(split, hadoopConf, onExecutor)) {
            byte[] buf = new byte[1 << 16];
            long lines = 0;
            boolean any = false;
            int prev = '\n';
            int n;
            while ((n = in.read(buf)) > 0) {
                any = true;
                for (int i = 0; i < n; i++) {
                    int c = buf[i];
                    if (c == '\n') {
                        if (prev != '\r') lines++;
                    } else if (c == '\r') {
                        lines++;
                    }
                    prev = c;
                }
            }
            if (any && prev != '\n' && prev != '\r') lines++;
            return lines;
        }
    }

    private static Path localPath(InputSplit split, boolean onExecutor) {
        if (onExecutor && split.shipped() != null) return Path.of(SparkFiles.get(split.shipped()));
        return Path.of(split.path());
    }

    private static InputStream hadoopStream(InputSplit split, Map<String, String> hadoopConf, long from) throws IOException {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(split.path());
        FileSystem fs = p.getFileSystem(configuration(hadoopConf));
        FSDataInputStream in = fs.open(p, 1 << 16);
        if (from > 0) in.seek(from);
        return in;
    }

    static Configuration configuration(Map<String, String> entries) {
        Configuration conf = new Configuration();
        if (entries != null) entries.forEach(conf::set);
        return conf;
    }

    /** Ends at the first line start at or after {@code end}; reading past the range finishes the line it is in. */
    private static final class LineRange extends FilterInputStream {
        private final long end;
        private long pos;
        private boolean atLineStart = true;
        private boolean done;

        LineRange(InputStream in, long pos, long end) {
            super(in);
            this.pos = pos;
            this.end = end;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n <= 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            if (done || (pos >= end && atLineStart)) {
                done = true;
                return -1;
            }
            int want = pos < end ? (int) Math.min(len, end - pos) : len;
            int n = in.read(b, off, want);
            if (n <= 0) {
                done = true;
                return -1;
            }
            if (pos >= end) { // finishing the line that crosses the end: stop after its '\n'
                for (int i = 0; i < n; i++) {
                    if (b[off + i] == '\n') {
                        n = i + 1;
                        done = true;
                        break;
                    }
                }
            }
            pos += n;
            atLineStart = b[off + n - 1] == '\n';
            return n;
        }

        @Override
        public long skip(long n) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int available() {
            return 0;
        }
    }
}

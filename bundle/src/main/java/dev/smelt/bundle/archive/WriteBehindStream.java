package dev.smelt.bundle.archive;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * The archive's bytes on their way to its file: collected into 4 MiB direct buffers (written without the JDK's copy into
 * a temporary direct buffer) that writer threads of their own write to the channel at their place, so the compressing
 * thread does not wait in write calls while up to {@value #BUFFERS} buffers are queued. The bytes and their order are
 * exactly what was written; {@link #close()} returns once all of them are in the channel (the caller still fsyncs it).
 * A write error on a writer thread is thrown by the next write, sync or close.
 * <p>Given the file's path, full buffers go to it through a second channel opened for direct I/O ({@code O_DIRECT},
 * the buffers aligned to the file system's block): the page cache is skipped, which on the development machine cost
 * the writer thread 0.5–2.8 CPU seconds per 2 GiB of archive (against ~0.3 for the same bytes written by a plain copy,
 * for reasons in the kernel we did not pin down) while the caller's fsync has to wait for the device anyway. The last,
 * partial buffer goes through the caller's channel, whose position ends after the archive. With direct I/O two
 * writers keep two writes in flight: with one, the disk idled whenever its thread waited for a core. 4 MiB writes
 * rather than 1 MiB: the writers' CPU per 2 GiB fell from ~0.25 to ~0.1 s, at the same device speed. Where
 * direct I/O cannot be opened (tmpfs, some overlay file systems) or a direct write is refused, everything goes through
 * the caller's channel, as without a path. The bytes are the same either way. A file range ({@link #writeRegion}) is
 * read straight into the buffers; {@link #sync()} has the device flush what is written while the caller waits for
 * something else. (A periodic {@code force} during the writes was measured too: it slowed the writes by as much as it
 * shortened the final flush.)
 */
final class WriteBehindStream extends OutputStream implements RegionSink {
    static final int BUFFER = 4 << 20;
    private static final int BUFFERS = 8;
    private static final int DIRECT_WRITERS = 2;
    private static final Job END = new Job(ByteBuffer.allocate(0), -1);

    /** A buffer and where in the file it goes. */
    private record Job(ByteBuffer buffer, long position) {}

    private final FileChannel channel;
    private final FileChannel direct; // null: all writes through channel
    private long position; // where the next handed buffer goes
    private long handed; // buffers handed to the writers
    private long written; // of which written (or dropped after a failure); guarded by this
    private volatile boolean directFailed;
    private final BlockingQueue<Job> full = new ArrayBlockingQueue<>(BUFFERS + DIRECT_WRITERS); // room for each writer's END
    private final BlockingQueue<ByteBuffer> free = new ArrayBlockingQueue<>(BUFFERS);
    private final Thread[] writers;
    private volatile IOException failure;
    private ByteBuffer current;
    private boolean closed;

    WriteBehindStream(FileChannel channel) throws IOException {
        this(channel, null);
    }

    /** {@code file}: the path {@code channel} writes (empty, position 0), or null for no direct I/O. */
    WriteBehindStream(FileChannel channel, Path file) throws IOException {
        this.channel = channel;
        this.position = channel.position();
        int align = 4096;
        FileChannel d = null;
        if (file != null && position == 0) {
            try {
                align = Math.max(align, (int) Math.min(BUFFER, Files.getFileStore(file).getBlockSize()));
                d = FileChannel.open(file, StandardOpenOption.WRITE, directOption());
            } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
                d = null; // no direct I/O here: the page cache it is
            }
        }
        this.direct = BUFFER % align == 0 ? d : closeQuietly(d);
        for (int i = 0; i < BUFFERS; i++) {
            // written without a copy; aligned for direct I/O
            free.add(ByteBuffer.allocateDirect(BUFFER + align).alignedSlice(align).limit(BUFFER).slice());
        }
        writers = new Thread[direct != null ? DIRECT_WRITERS : 1];
        for (int i = 0; i < writers.length; i++) {
            writers[i] = new Thread(this::drain, "smelt-bundle-write");
            writers[i].setDaemon(true);
            writers[i].start();
        }
    }

    private void drain() {
        try {
            while (true) {
                Job j = full.take();
                if (j == END) return;
                try {
                    if (failure == null) write(j.buffer(), j.position());
                } catch (IOException e) {
                    failure = e;
                } finally {
                    free.add(j.buffer().clear());
                    synchronized (this) {
                        written++;
                        notifyAll();
                    }
                }
            }
        } catch (InterruptedException e) {
            failure = new InterruptedIOException("interrupted while writing the archive");
            synchronized (this) {
                notifyAll(); // a sync() waiting for this writer
            }
        }
    }

    /**
     * A full buffer directly where that works; the last, partial one (and all after a refusal) through the channel.
     * Writes are positional, so the two writers of a direct stream keep two writes in flight in any order.
     */
    private void write(ByteBuffer b, long at) throws IOException {
        if (direct != null && !directFailed && b.remaining() == BUFFER) {
            try {
                while (b.hasRemaining()) direct.write(b, at + b.position());
                return;
            } catch (IOException e) {
                b.rewind(); // refused (EINVAL on some file systems): this buffer and the rest go through the page cache
                directFailed = true;
            }
        }
        while (b.hasRemaining()) channel.write(b, at + b.position());
    }

    @Override
    public void write(int b) throws IOException {
        buffer().put((byte) b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            ByteBuffer buf = buffer();
            int n = Math.min(len, buf.remaining());
            buf.put(b, off, n);
            off += n;
            len -= n;
        }
    }

    /** Reads the range straight into the buffers the writers write from: the only copy its bytes see here. */
    @Override
    public void writeRegion(FileChannel in, long from, long to) throws IOException {
        while (from < to) {
            ByteBuffer buf = buffer();
            int n = (int) Math.min(to - from, buf.remaining());
            FileRegion.readFully(in, buf.slice(buf.position(), n), from);
            buf.position(buf.position() + n);
            from += n;
        }
    }

    /** The buffer being filled, handing a full one to the writer first. */
    private ByteBuffer buffer() throws IOException {
        if (closed) throw new IOException("archive stream closed");
        if (failure != null) throw failure;
        if (current != null && !current.hasRemaining()) {
            hand(current.flip());
            current = null;
        }
        if (current == null) {
            try {
                current = free.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while writing the archive");
            }
        }
        return current;
    }

    private void hand(ByteBuffer b) throws InterruptedIOException {
        put(new Job(b, position));
        position += b.remaining();
        handed++;
    }

    /**
     * Waits until every full buffer handed so far is written, then forces the file ({@code fdatasync}), so the device
     * flushes those bytes while the caller waits for something else. The buffer being filled stays here.
     */
    void sync() throws IOException {
        if (closed) throw new IOException("archive stream closed");
        synchronized (this) {
            try {
                while (written < handed && failure == null) wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while writing the archive");
            }
        }
        if (failure != null) throw failure;
        channel.force(false);
    }

    private void put(Job j) throws InterruptedIOException {
        try {
            full.put(j);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing the archive");
        }
    }

    /** Writes nothing early: the stream's bytes do not depend on flushes, and the buffers go out when full. */
    @Override
    public void flush() throws IOException {
        if (failure != null) throw failure;
    }

    /** Hands over the last buffer and waits until the writers have written everything. Does not close the channel. */
    @Override
    public void close() throws IOException {
        if (closed) return;
        closed = true;
        try {
            if (current != null && current.position() > 0) hand(current.flip());
            current = null;
            for (Thread ignored : writers) put(END);
            for (Thread w : writers) w.join();
            if (direct != null) direct.close();
            if (failure == null) channel.position(position); // the caller's channel ends after the archive
        } catch (InterruptedException e) {
            for (Thread w : writers) w.interrupt();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing the archive");
        }
        if (failure != null) throw failure;
    }

    private static OpenOption directOption() {
        return com.sun.nio.file.ExtendedOpenOption.DIRECT;
    }

    private static FileChannel closeQuietly(FileChannel c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // nothing was written through it
            }
        }
        return null;
    }
}

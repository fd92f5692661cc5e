package dev.smelt.bundle.archive;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The archive's bytes on their way to its file: collected into 1 MiB direct buffers that a writer thread of their own
 * writes to the channel, and every {@value #SYNC_EVERY_MIB} MiB a third thread forces what is written so far to disk
 * (one at a time; the writer does not wait for it), so the disk works while the compressor does instead of all at the
 * atomic write's final fsync (a 2 GiB archive stays under the kernel's background write-back threshold on most
 * machines and would otherwise reach the disk only then). The bytes and their order are exactly what was written;
 * {@link #close()} returns once all of them are in the channel (the caller still fsyncs it). A write or sync error is
 * thrown by the next write or by close.
 */
final class WriteBehindStream extends OutputStream {
    static final int BUFFER = 1 << 20;
    static final int SYNC_EVERY_MIB = 32;
    private static final int BUFFERS = 32;
    private static final ByteBuffer END = ByteBuffer.allocate(0);

    private final FileChannel channel;
    private final BlockingQueue<ByteBuffer> full = new ArrayBlockingQueue<>(BUFFERS + 1);
    private final BlockingQueue<ByteBuffer> free = new ArrayBlockingQueue<>(BUFFERS);
    private final Thread writer;
    private final ExecutorService syncer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "smelt-bundle-sync");
        t.setDaemon(true);
        return t;
    });
    private Future<?> syncing;
    private volatile IOException failure;
    private ByteBuffer current;
    private boolean closed;

    WriteBehindStream(FileChannel channel) {
        this.channel = channel;
        for (int i = 0; i < BUFFERS; i++) free.add(ByteBuffer.allocateDirect(BUFFER)); // written without a copy
        writer = new Thread(this::drain, "smelt-bundle-write");
        writer.setDaemon(true);
        writer.start();
    }

    private void drain() {
        long sinceSync = 0;
        try {
            while (true) {
                ByteBuffer b = full.take();
                if (b == END) return;
                try {
                    if (failure == null) {
                        sinceSync += b.remaining();
                        while (b.hasRemaining()) channel.write(b);
                        if (sinceSync >= (long) SYNC_EVERY_MIB << 20 && (syncing == null || syncing.isDone())) {
                            check(syncing);
                            syncing = syncer.submit(() -> {
                                channel.force(false);
                                return null;
                            });
                            sinceSync = 0;
                        }
                    }
                } catch (IOException e) {
                    failure = e;
                } finally {
                    free.add(b.clear());
                }
            }
        } catch (InterruptedException e) {
            failure = new InterruptedIOException("interrupted while writing the archive");
        } finally {
            try {
                if (syncing != null) syncing.get();
            } catch (InterruptedException e) {
                if (failure == null) failure = new InterruptedIOException("interrupted while writing the archive");
            } catch (ExecutionException e) {
                if (failure == null) failure = cause(e);
            }
            syncer.shutdown();
        }
    }

    /** Throws a finished sync's failure. */
    private static void check(Future<?> done) throws IOException {
        if (done == null) return;
        try {
            done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing the archive");
        } catch (ExecutionException e) {
            throw cause(e);
        }
    }

    private static IOException cause(ExecutionException e) {
        return e.getCause() instanceof IOException io ? io : new IOException("syncing the archive failed", e.getCause());
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
        try {
            full.put(b);
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

    /** Hands over the last buffer and waits until the writer has written everything. Does not close the channel. */
    @Override
    public void close() throws IOException {
        if (closed) return;
        closed = true;
        try {
            if (current != null && current.position() > 0) hand(current.flip());
            current = null;
            hand(END);
            writer.join();
        } catch (InterruptedException e) {
            writer.interrupt();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing the archive");
        }
        if (failure != null) throw failure;
    }
}

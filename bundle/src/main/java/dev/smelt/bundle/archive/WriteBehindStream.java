package dev.smelt.bundle.archive;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * The archive's bytes on their way to its file: collected into 1 MiB direct buffers (written without the JDK's copy into
 * a temporary direct buffer) that a writer thread of their own writes to the channel, so the compressing thread does not
 * wait in write calls while up to {@value #BUFFERS} MiB are queued. The bytes and their order are exactly what was
 * written; {@link #close()} returns once all of them are in the channel (the caller still fsyncs it). A write error on
 * the writer thread is thrown by the next write or by close. (Starting the disk's write-back early with a periodic
 * {@code force} was measured too: on the shared development machine it cost CPU in the writes and gained nothing.)
 */
final class WriteBehindStream extends OutputStream {
    static final int BUFFER = 1 << 20;
    private static final int BUFFERS = 32;
    private static final ByteBuffer END = ByteBuffer.allocate(0);

    private final FileChannel channel;
    private final BlockingQueue<ByteBuffer> full = new ArrayBlockingQueue<>(BUFFERS + 1);
    private final BlockingQueue<ByteBuffer> free = new ArrayBlockingQueue<>(BUFFERS);
    private final Thread writer;
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
        try {
            while (true) {
                ByteBuffer b = full.take();
                if (b == END) return;
                try {
                    if (failure == null) {
                        while (b.hasRemaining()) channel.write(b);
                    }
                } catch (IOException e) {
                    failure = e;
                } finally {
                    free.add(b.clear());
                }
            }
        } catch (InterruptedException e) {
            failure = new InterruptedIOException("interrupted while writing the archive");
        }
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

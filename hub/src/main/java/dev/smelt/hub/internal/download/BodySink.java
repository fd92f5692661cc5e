package dev.smelt.hub.internal.download;

import dev.smelt.hub.TransferProgress;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Streams a response body straight into a file channel as the buffers arrive, updating the digests and the
 * progress counters, and remembering when the last byte came (for stall detection). {@link #abort} stops it
 * from another thread; after it returns no more bytes are written.
 */
final class BodySink implements HttpResponse.BodySubscriber<Long> {
    private final FileChannel channel;
    private final List<MessageDigest> digests;
    private final TransferProgress progress;
    private final CompletableFuture<Long> result = new CompletableFuture<>();
    private final Object lock = new Object();
    private volatile long lastActivity = System.nanoTime();
    private Flow.Subscription subscription;
    private boolean stopped;
    private long written;

    BodySink(FileChannel channel, List<MessageDigest> digests, TransferProgress progress) {
        this.channel = channel;
        this.digests = digests;
        this.progress = progress;
    }

    long lastActivityNanos() {
        return lastActivity;
    }

    long written() {
        synchronized (lock) {
            return written;
        }
    }

    @Override
    public CompletionStage<Long> getBody() {
        return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        synchronized (lock) {
            subscription = s;
            if (stopped) {
                s.cancel();
                return;
            }
        }
        s.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
        Flow.Subscription s;
        synchronized (lock) {
            if (stopped) return;
            try {
                for (ByteBuffer b : buffers) {
                    int n = b.remaining();
                    for (MessageDigest d : digests) d.update(b.duplicate());
                    while (b.hasRemaining()) channel.write(b);
                    written += n;
                    progress.transferred(n);
                }
            } catch (IOException | RuntimeException e) {
                stopLocked(e);
                return;
            }
            lastActivity = System.nanoTime();
            s = subscription;
        }
        s.request(1);
    }

    @Override
    public void onError(Throwable t) {
        synchronized (lock) {
            stopped = true;
        }
        result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
        synchronized (lock) {
            if (stopped) return;
            stopped = true;
        }
        result.complete(written);
    }

    /** Cancels the body from any thread; returns once no write is in progress. */
    void abort(IOException why) {
        synchronized (lock) {
            stopLocked(why);
        }
    }

    private void stopLocked(Throwable why) {
        if (stopped) return;
        stopped = true;
        if (subscription != null) subscription.cancel();
        result.completeExceptionally(why);
    }
}

package dev.smelt.models.serve;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Finds out whether the client of one request is still there. The JDK HTTP server does not watch a connection while
 * its handler runs, and a closed TCP connection only shows when the server writes to it (the first write after the
 * client closed draws a reset, the next one fails). So a request that waits or generates for longer than
 * {@link GenerationServer.Heartbeat#after()} gets its response headers then (200, chunked) and from then on a few
 * insignificant bytes every {@link GenerationServer.Heartbeat#every()} while it waits, and while it generates at
 * least every {@link GenerationServer.Heartbeat#everyTokens()} tokens: whitespace ahead of a JSON body (valid JSON),
 * an SSE comment line in an event stream. A write that fails marks the client gone. Used by one handler thread only.
 */
final class ClientLink {
    private static final byte[] JSON_PING = {' '};
    private static final byte[] SSE_PING = ": ping\n\n".getBytes(StandardCharsets.UTF_8);

    private final HttpExchange ex;
    private final GenerationServer.Heartbeat beat;
    private final boolean stream;
    private final long start = System.nanoTime();
    private long lastWrite = start;
    private int tokensSinceWrite;
    private boolean gone;

    /** @param stream an event stream whose headers are already sent (its events count as writes) */
    ClientLink(HttpExchange ex, GenerationServer.Heartbeat beat, boolean stream) {
        this.ex = ex;
        this.beat = beat;
        this.stream = stream;
    }

    boolean gone() {
        return gone;
    }

    /** Whether the response headers are out (a later error goes into the body). */
    boolean committed() {
        return ex.getResponseCode() != -1;
    }

    /** Called while the request waits for the model: pings when one is due. */
    void waiting() {
        long now = System.nanoTime();
        if (!committed()) {
            if (now - start >= beat.after().toNanos()) ping(now);
        } else if (now - lastWrite >= beat.every().toNanos()) {
            ping(now);
        }
    }

    /** Called after every generated token: pings when one is due. */
    void token() {
        tokensSinceWrite++;
        long now = System.nanoTime();
        if (!committed()) {
            if (now - start >= beat.after().toNanos()) ping(now);
        } else if (tokensSinceWrite >= beat.everyTokens() || now - lastWrite >= beat.every().toNanos()) {
            ping(now);
        }
    }

    /** The stream wrote an event: that write was the probe. */
    void wrote() {
        lastWrite = System.nanoTime();
        tokensSinceWrite = 0;
    }

    /** A write to the client failed. */
    void lost() {
        gone = true;
    }

    private void ping(long now) {
        if (gone) return;
        try {
            if (!committed()) {
                ex.getResponseHeaders().set("Content-Type", "application/json");
                ex.sendResponseHeaders(200, 0);
            }
            OutputStream out = ex.getResponseBody();
            out.write(stream ? SSE_PING : JSON_PING);
            out.flush();
            lastWrite = now;
            tokensSinceWrite = 0;
        } catch (IOException e) {
            gone = true;
        }
    }
}

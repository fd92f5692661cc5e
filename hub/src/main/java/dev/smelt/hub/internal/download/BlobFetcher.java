package dev.smelt.hub.internal.download;

import dev.smelt.core.SmeltException;
import dev.smelt.hub.internal.http.HubErrors;
import dev.smelt.hub.internal.http.HubHttp;
import dev.smelt.hub.HubHttpException;
import dev.smelt.hub.internal.http.RequestTarget;
import dev.smelt.hub.RetryPolicy;
import dev.smelt.hub.TransferProgress;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Downloads one URL into a {@code .incomplete} file and checks it, the way huggingface_hub's {@code http_get}
 * does plus hashes: an existing partial file is resumed with {@code Range: bytes=N-}; a dropped or stalled
 * connection, a 429 (after {@code Retry-After}) or a 5xx is retried with backoff, resuming where it stopped;
 * a body with the wrong size or hash is deleted and fetched once more, then reported. On success the
 * incomplete file holds exactly the expected bytes (fsynced); the caller renames it into place.
 */
public final class BlobFetcher {
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private static final int MAX_REDIRECTS = 10;

    private final HubHttp http;
    private final TransferProgress progress;

    public BlobFetcher(HubHttp http, TransferProgress progress) {
        this.http = http;
        this.progress = progress;
    }

    public void fetch(URI url, Path incomplete, ExpectedContent expected, RequestTarget target) throws IOException {
        RetryPolicy retry = http.retry();
        int checksumFailures = 0;
        int attempt = 0;
        IOException lastFailure = null;
        boolean first = true;
        while (true) {
            // Bytes already on disk are credited to the progress once; later rounds were counted as they arrived.
            Digests digests = Digests.prefilled(incomplete, expected, first ? progress : NO_PROGRESS);
            first = false;
            long have = digests.length();
            boolean complete = expected.size() >= 0 && have == expected.size() && Files.exists(incomplete);
            if (!complete) {
                attempt++;
                try {
                    transfer(url, incomplete, have, digests, target);
                } catch (RetryableException e) {
                    lastFailure = e.getCause() instanceof IOException io ? io : new IOException(e.getMessage());
                    if (attempt >= retry.maxAttempts()) {
                        if (e.status > 0) {
                            throw HubErrors.toException(e.status, e.headers, e.body, target,
                                    http.settings().endpointUrl(), http.tokenSentTo(url));
                        }
                        throw new SmeltException("download of '" + target.file() + "' from " + target.describeRepo()
                                + " failed after " + attempt + " attempts (" + lastFailure.getMessage()
                                + "); run the command again to resume", lastFailure);
                    }
                    RetryPolicy.sleep(e.headers != null ? retry.delayFor(attempt, e.headers) : retry.backoff(attempt));
                    continue;
                }
                digests.refreshLength(incomplete);
            }
            String problem = digests.verify(expected);
            if (problem == null) return;
            long bad = Files.size(incomplete);
            Files.deleteIfExists(incomplete);
            progress.discarded(bad);
            checksumFailures++;
            if (checksumFailures > 1) {
                throw new SmeltException("checksum mismatch for '" + target.file() + "' in " + target.describeRepo()
                        + " (" + problem + "), twice; the corrupt download was discarded");
            }
        }
    }

    private static final TransferProgress NO_PROGRESS = new TransferProgress();

    /** Fetches from {@code offset} to the end; returns normally when the body is complete. */
    private void transfer(URI url, Path file, long offset, Digests digests, RequestTarget target) throws IOException {
        URI current = url;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest.Builder b = http.request(current, http.settings().downloadTimeout().multipliedBy(3))
                    .header("Accept-Encoding", "identity").GET();
            if (offset > 0) b.header("Range", "bytes=" + offset + "-");
            Outcome outcome = new Outcome();
            CompletableFuture<HttpResponse<Long>> future = http.client().sendAsync(b.build(),
                    info -> outcome.handle(info, file, offset, digests));
            HttpResponse<Long> response = await(future, outcome);
            if (outcome.openFailure != null) {
                if (isDiskFull(outcome.openFailure)) throw diskFull(file, outcome.openFailure);
                throw outcome.openFailure;
            }
            int status = response.statusCode();
            if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
                String loc = response.headers().firstValue("Location").orElse(null);
                if (loc == null) throw new SmeltException("redirect without Location for '" + target.file() + "'");
                current = current.resolve(loc);
                continue;
            }
            if (status == 200 || status == 206) {
                if (outcome.restartFromZero) {
                    throw new RetryableException("server sent an unexpected byte range; restarting", null, 0, null, null);
                }
                return;
            }
            if (status == 416 && offset > 0) {
                // Our partial file is longer than what the server has: it is not a prefix of this blob.
                long n = Files.size(file);
                Files.deleteIfExists(file);
                progress.discarded(n);
                throw new RetryableException("partial file larger than the remote file; restarting", null, 0, null, null);
            }
            if (RetryPolicy.retryableStatus(status)) {
                throw new RetryableException("HTTP " + status, null, status, response.headers(), outcome.errorBody());
            }
            throw HubErrors.toException(status, response.headers(), outcome.errorBody(), target,
                    http.settings().endpointUrl(), http.tokenSentTo(current));
        }
        throw new SmeltException("too many redirects downloading '" + target.file() + "' from " + target.describeRepo());
    }

    private HttpResponse<Long> await(CompletableFuture<HttpResponse<Long>> future, Outcome outcome) throws IOException {
        long stallNanos = http.settings().downloadTimeout().toNanos();
        try {
            while (true) {
                try {
                    return future.get(200, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    BodySink sink = outcome.sink;
                    if (sink != null && System.nanoTime() - sink.lastActivityNanos() > stallNanos) {
                        IOException why = new IOException("no data for " + http.settings().downloadTimeout().toSeconds() + "s");
                        sink.abort(why);
                        future.cancel(true);
                        outcome.closeQuietly();
                        throw new RetryableException(why.getMessage(), why, 0, null, null);
                    }
                }
            }
        } catch (InterruptedException e) {
            BodySink sink = outcome.sink;
            if (sink != null) sink.abort(new InterruptedIOException("interrupted"));
            future.cancel(true);
            outcome.closeQuietly();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("download interrupted");
        } catch (ExecutionException e) {
            outcome.closeQuietly();
            Throwable c = e.getCause();
            if (c instanceof SmeltException se) throw se;
            if (c instanceof InterruptedIOException ie) throw ie;
            if (c instanceof IOException io) {
                if (isDiskFull(io)) throw diskFull(outcome.file, io);
                throw new RetryableException(describe(io), io, 0, null, null);
            }
            throw new RetryableException(describe(c), new IOException(c), 0, null, null);
        } finally {
            outcome.closeQuietly();
        }
    }

    static boolean isDiskFull(Throwable t) {
        for (Throwable x = t; x != null; x = x.getCause()) {
            if (x.getMessage() != null && x.getMessage().contains("No space left on device")) return true;
        }
        return false;
    }

    static SmeltException diskFull(Path file, IOException e) {
        return new SmeltException("disk full while writing " + file + " (" + e.getMessage()
                + "); free space and run again: the partial download is kept and will be resumed", e);
    }

    private static String describe(Throwable t) {
        return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    }

    /** Decides per response status where the body goes: into the file (200/206) or into memory (errors). */
    private final class Outcome {
        volatile BodySink sink;
        volatile FileChannel channel;
        Path file;
        boolean restartFromZero;
        IOException openFailure;
        private byte[] errorBody;
        private CompletableFuture<byte[]> errorFuture;

        HttpResponse.BodySubscriber<Long> handle(HttpResponse.ResponseInfo info, Path f, long offset, Digests digests) {
            this.file = f;
            int status = info.statusCode();
            try {
                if (status == 206 && offset > 0) {
                    Matcher m = CONTENT_RANGE.matcher(info.headers().firstValue("Content-Range").orElse(""));
                    if (!m.matches() || Long.parseLong(m.group(1)) != offset) {
                        restartFromZero = true;
                        truncate(f, digests);
                        return discard();
                    }
                    return open(f, offset, digests);
                }
                if (status == 200 || status == 206) {
                    if (offset > 0) truncate(f, digests); // the server ignored our Range header
                    return open(f, 0, digests);
                }
            } catch (IOException e) {
                openFailure = e;
                return discard();
            }
            HttpResponse.BodySubscriber<byte[]> bytes = HttpResponse.BodySubscribers.ofByteArray();
            errorFuture = bytes.getBody().toCompletableFuture();
            return HttpResponse.BodySubscribers.mapping(bytes, arr -> {
                errorBody = arr;
                return (long) arr.length;
            });
        }

        private void truncate(Path f, Digests digests) throws IOException {
            long n = Files.exists(f) ? Files.size(f) : 0;
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                ch.truncate(0);
            }
            digests.reset();
            progress.discarded(n);
        }

        private HttpResponse.BodySubscriber<Long> discard() {
            return HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.discarding(), v -> 0L);
        }

        private HttpResponse.BodySubscriber<Long> open(Path f, long offset, Digests digests) throws IOException {
            FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            ch.truncate(offset);
            ch.position(offset);
            channel = ch;
            BodySink s = new BodySink(ch, digests.list(), progress);
            sink = s;
            return s;
        }

        byte[] errorBody() {
            if (errorBody == null && errorFuture != null) errorBody = errorFuture.getNow(null);
            return errorBody;
        }

        void closeQuietly() {
            FileChannel ch = channel;
            if (ch == null) return;
            try {
                if (ch.isOpen()) {
                    ch.force(false);
                    ch.close();
                }
            } catch (IOException ignored) {
                // the retry reopens the file; a real disk problem shows up there
            }
        }
    }

    /** A failure worth another attempt: a dropped connection, a stall, 429 or 5xx. */
    static final class RetryableException extends IOException {
        final int status;
        final HttpHeaders headers;
        final byte[] body;

        RetryableException(String message, Throwable cause, int status, HttpHeaders headers, byte[] body) {
            super(message, cause);
            this.status = status;
            this.headers = headers;
            this.body = body;
        }
    }

    /** The sha256 / git-sha1 state of the bytes written so far. */
    static final class Digests {
        private final MessageDigest sha256;
        private final MessageDigest gitSha1;
        private final long expectedSize;
        private long length;

        private Digests(ExpectedContent e) {
            this.expectedSize = e.size();
            try {
                sha256 = e.sha256() != null ? MessageDigest.getInstance("SHA-256") : null;
                gitSha1 = e.gitSha1() != null && e.size() >= 0 ? MessageDigest.getInstance("SHA-1") : null;
            } catch (NoSuchAlgorithmException ex) {
                throw new IllegalStateException(ex);
            }
            reset();
        }

        void reset() {
            if (sha256 != null) sha256.reset();
            if (gitSha1 != null) {
                gitSha1.reset();
                gitSha1.update(("blob " + expectedSize + "\0").getBytes(StandardCharsets.US_ASCII));
            }
            length = 0;
        }

        List<MessageDigest> list() {
            List<MessageDigest> l = new ArrayList<>(2);
            if (sha256 != null) l.add(sha256);
            if (gitSha1 != null) l.add(gitSha1);
            return l;
        }

        long length() {
            return length;
        }

        /** Hashes what is already in {@code file} (a partial download); credits it as resumed progress. */
        static Digests prefilled(Path file, ExpectedContent e, TransferProgress progress) throws IOException {
            Digests d = new Digests(e);
            if (!Files.exists(file)) return d;
            long size = Files.size(file);
            if (e.size() >= 0 && size > e.size()) {
                Files.delete(file);
                return d;
            }
            d.consume(file, size);
            progress.resumed(size);
            return d;
        }

        /** After a transfer the digests already cover the file; only its length needs refreshing. */
        void refreshLength(Path file) throws IOException {
            length = Files.exists(file) ? Files.size(file) : 0;
        }

        private void consume(Path file, long size) throws IOException {
            List<MessageDigest> ds = list();
            if (ds.isEmpty()) {
                length = size;
                return;
            }
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            try (InputStream in = Files.newInputStream(file)) {
                byte[] arr = buf.array();
                long left = size;
                while (left > 0) {
                    int n = in.read(arr, 0, (int) Math.min(arr.length, left));
                    if (n < 0) break;
                    for (MessageDigest d : ds) d.update(arr, 0, n);
                    left -= n;
                }
            }
            length = size;
        }

        /** Null when the bytes are as expected, else what is wrong. */
        String verify(ExpectedContent e) {
            if (e.size() >= 0 && length != e.size()) {
                return "expected " + e.size() + " bytes, got " + length;
            }
            if (sha256 != null) {
                String got = HexFormat.of().formatHex(sha256.digest());
                if (!got.equalsIgnoreCase(e.sha256())) return "sha256 " + got + ", expected " + e.sha256();
            }
            if (gitSha1 != null) {
                String got = HexFormat.of().formatHex(gitSha1.digest());
                if (!got.equalsIgnoreCase(e.gitSha1())) return "git blob sha1 " + got + ", expected " + e.gitSha1();
            }
            return null;
        }
    }
}

package dev.smelt.testkit.hub;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** One parsed HTTP/1.1 request (method, raw target, lower-cased headers) and helpers to read its body. */
final class HttpExchange {
    final String method;
    final String target;
    final Map<String, String> headers;
    final InputStream in;

    private HttpExchange(String method, String target, Map<String, String> headers, InputStream in) {
        this.method = method;
        this.target = target;
        this.headers = headers;
        this.in = in;
    }

    /** Reads the request line and headers; null at a clean end of stream. */
    static HttpExchange read(InputStream in) throws IOException {
        String line = readLine(in);
        if (line == null) return null;
        while (line.isEmpty()) {
            line = readLine(in);
            if (line == null) return null;
        }
        String[] parts = line.split(" ");
        if (parts.length != 3) throw new IOException("bad request line: " + line);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String h; (h = readLine(in)) != null && !h.isEmpty(); ) {
            int colon = h.indexOf(':');
            if (colon > 0) headers.put(h.substring(0, colon).strip().toLowerCase(Locale.ROOT), h.substring(colon + 1).strip());
        }
        return new HttpExchange(parts[0], parts[1], headers, in);
    }

    String path() {
        int q = target.indexOf('?');
        return q < 0 ? target : target.substring(0, q);
    }

    String query() {
        int q = target.indexOf('?');
        return q < 0 ? "" : target.substring(q + 1);
    }

    String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** Copies the request body (Content-Length or chunked) to {@code out}; returns its length. */
    long copyBody(OutputStream out) throws IOException {
        String te = header("transfer-encoding");
        if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            long total = 0;
            while (true) {
                String sizeLine = readLine(in);
                if (sizeLine == null) throw new IOException("truncated chunked body");
                int semi = sizeLine.indexOf(';');
                long size = Long.parseLong((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).strip(), 16);
                if (size == 0) {
                    while (true) {
                        String trailer = readLine(in);
                        if (trailer == null || trailer.isEmpty()) break;
                    }
                    return total;
                }
                copy(out, size);
                total += size;
                readLine(in);
            }
        }
        String cl = header("content-length");
        long len = cl == null ? 0 : Long.parseLong(cl);
        copy(out, len);
        return len;
    }

    byte[] body() throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        copyBody(bo);
        return bo.toByteArray();
    }

    private void copy(OutputStream out, long len) throws IOException {
        byte[] buf = new byte[1 << 16];
        long left = len;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) throw new IOException("truncated body");
            out.write(buf, 0, n);
            left -= n;
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream(128);
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') break;
            bo.write(c);
            if (bo.size() > 65536) throw new IOException("header line too long");
        }
        if (c < 0 && bo.size() == 0) return null;
        String s = bo.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }
}

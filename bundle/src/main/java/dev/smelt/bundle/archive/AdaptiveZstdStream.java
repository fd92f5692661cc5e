package dev.smelt.bundle.archive;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A zstd stream that stores what does not compress. The input is cut into {@value #CHUNK}-byte chunks at fixed stream
 * offsets; the first {@value #PROBE} bytes of each chunk are held back and compressed on their own (at the stream's
 * level, one thread). When that probe saves less than {@code minSaving} the whole chunk goes into raw blocks
 * ({@link RawZstdFrame}), passed through, not copied again; otherwise the chunk's first {@value #PIECE}-byte piece goes
 * to libzstd's multi-threaded compressor, and each further piece of the chunk is probed and sent the same way on its
 * own, so the text at the front of an archive does not pull the weights behind it into the compressor (4 MiB of fp16
 * weights cost ~40 ms there). A change between the two ends the current frame, so the output is a sequence of ordinary
 * zstd frames any decoder reads as one stream. Model weights are mostly stored chunks: fp16 weights save ~7 % at
 * level 1 for ~4× the CPU time of storing them, quantized GGUF tensors less. The choice depends on the bytes only, so
 * the output still depends on the input alone (not on the worker count or on how writes were split). A file range
 * ({@link #writeRegion}) is read by this stream itself: probes into the held bytes, compressed pieces through a buffer,
 * stored ones straight into the archive's write buffers ({@link RawZstdFrame#writeRegion}), with no copy on the way.
 */
final class AdaptiveZstdStream extends OutputStream implements RegionSink {
    static final int CHUNK = 4 << 20;
    static final int PIECE = 512 << 10;
    static final int PROBE = 64 << 10;

    private final OutputStream raw;
    private final ZstdOutputStream compressor;
    private final RawZstdFrame stored;
    private final ZstdCompressCtx probe;
    private final double minSaving;
    private final byte[] held = new byte[PROBE];
    private final byte[] probeOut = new byte[(int) Zstd.compressBound(PROBE)];
    private final byte[] one = new byte[1];
    private int inChunk; // bytes of the current chunk seen so far
    private int probeStart; // where in the chunk the pending (or last) probe starts
    private int decidedUntil; // where in the chunk the current choice ends; probeStart while a probe is held
    private boolean compressChunk; // the current choice, once its probe is in
    private boolean compressing; // a compressed frame is open
    private boolean closed;

    /**
     * @param minSaving the share (0–1) a chunk's probe must save to be compressed; 0 compresses every chunk
     */
    AdaptiveZstdStream(OutputStream raw, int level, int workers, double minSaving) throws IOException {
        if (!(minSaving >= 0 && minSaving < 1)) throw new IllegalArgumentException("minSaving must be in [0, 1): " + minSaving);
        this.raw = raw;
        this.minSaving = minSaving;
        this.compressor = new ZstdOutputStream(Streams.uncloseable(raw), level);
        compressor.setWorkers(workers);
        compressor.setChecksum(true);
        compressor.setCloseFrameOnFlush(true);
        this.stored = new RawZstdFrame(raw);
        this.probe = new ZstdCompressCtx();
        probe.setLevel(level);
    }

    @Override
    public void write(int b) throws IOException {
        one[0] = (byte) b;
        write(one, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (closed) throw new IOException("zstd stream closed");
        while (len > 0) {
            int n;
            if (probing()) {
                n = Math.min(len, probeStart + PROBE - inChunk);
                System.arraycopy(b, off, held, inChunk - probeStart, n);
                if (inChunk + n == probeStart + PROBE) decideAndRelease(PROBE);
            } else {
                n = Math.min(len, decidedUntil - inChunk);
                pass(b, off, n);
            }
            off += n;
            len -= n;
            advance(n);
        }
    }

    @Override
    public void writeRegion(FileChannel in, long from, long to) throws IOException {
        if (closed) throw new IOException("zstd stream closed");
        while (from < to) {
            int n;
            if (probing()) {
                n = (int) Math.min(to - from, probeStart + PROBE - inChunk);
                FileRegion.readFully(in, ByteBuffer.wrap(held, inChunk - probeStart, n), from);
                if (inChunk + n == probeStart + PROBE) decideAndRelease(PROBE);
            } else {
                n = (int) Math.min(to - from, decidedUntil - inChunk);
                if (compressChunk) FileRegion.copy(in, from, from + n, compressor);
                else stored.writeRegion(in, from, from + n);
            }
            from += n;
            advance(n);
        }
    }

    private boolean probing() {
        return decidedUntil == probeStart;
    }

    /** Moves on {@code n} bytes; where the current choice ends, the next probe starts (a new chunk at its end). */
    private void advance(int n) {
        inChunk += n;
        if (!probing() && inChunk == decidedUntil) {
            if (inChunk == CHUNK) inChunk = 0;
            probeStart = inChunk;
            decidedUntil = inChunk;
        }
    }

    /** A flush from a layer above would end a zstd block at a point that depends on the caller: ignored. */
    @Override
    public void flush() {}

    @Override
    public void close() throws IOException {
        if (closed) return;
        closed = true;
        try {
            if (probing() && inChunk > probeStart) decideAndRelease(inChunk - probeStart);
            if (compressing) compressor.flush(); // ends the frame
            stored.end();
        } finally {
            probe.close();
            compressor.close(); // raw reaches it uncloseable
            raw.close();
        }
    }

    /**
     * Chooses the way of the piece (or, stored at a chunk's start, the whole chunk) from its first {@code n} bytes
     * (held) and writes them that way.
     */
    private void decideAndRelease(int n) throws IOException {
        compressChunk = minSaving == 0 || saving(n) >= minSaving;
        decidedUntil = probeStart == 0 && !compressChunk ? CHUNK : probeStart + PIECE;
        if (compressChunk) {
            stored.end();
            compressing = true;
        } else if (compressing) {
            compressor.flush();
            compressing = false;
        }
        pass(held, 0, n);
    }

    private void pass(byte[] b, int off, int len) throws IOException {
        if (compressChunk) compressor.write(b, off, len);
        else stored.write(b, off, len);
    }

    /** The share of the held bytes that compression at the stream's level saves. */
    private double saving(int n) {
        return 1 - (double) probe.compressByteArray(probeOut, 0, probeOut.length, held, 0, n) / n;
    }
}

package dev.smelt.bundle.archive;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Writes zstd frames made only of raw (stored) blocks (RFC 8878 §3.1.1): what libzstd itself emits for a block that
 * does not compress, written here without running its match finder over bytes already known not to compress. Any
 * zstd decoder reads them, in the same stream as libzstd's own frames. Frame header: no content size (the length is
 * not known up front), a 128 KiB window (the largest block), no dictionary, no checksum (the bundle's SHA256SUMS
 * covers every file). Blocks sit at fixed 128 KiB offsets in the frame, so they do not depend on how the caller split
 * its writes: every full block goes out as soon as it is full, and {@link #end()} closes the frame with the rest as
 * its last block, which may be empty (as libzstd's own last empty block). Because a full block is never the last,
 * its header can be written before its bytes: a file range handed to {@link #writeRegion} goes to a
 * {@link RegionSink} below in whole blocks, read straight into the archive's buffers.
 */
final class RawZstdFrame {
    static final int MAX_BLOCK = 128 * 1024;
    private static final byte[] HEADER = {
        (byte) 0x28, (byte) 0xB5, (byte) 0x2F, (byte) 0xFD, // magic 0xFD2FB528, little-endian
        0x00, // frame header descriptor: no content size, not single-segment, no checksum, no dictionary id
        0x38, // window descriptor: exponent 7, mantissa 0 → 2^(10+7) = 128 KiB
    };
    private static final int RAW_BLOCK = 0; // block type 0 (raw) in bits 1–2

    private final OutputStream out;
    private final byte[] blockHeader = new byte[3];
    private final byte[] block = new byte[MAX_BLOCK];
    private int filled;
    private boolean open;

    RawZstdFrame(OutputStream out) {
        this.out = out;
    }

    /** Stores {@code b[off..off+len)}, starting a frame when none is open. */
    void write(byte[] b, int off, int len) throws IOException {
        begin();
        while (len > 0) {
            int n = Math.min(len, MAX_BLOCK - filled);
            System.arraycopy(b, off, block, filled, n);
            filled += n;
            off += n;
            len -= n;
            if (filled == MAX_BLOCK) writeBlock(false);
        }
    }

    /** Stores bytes {@code [from, to)} of {@code in}, as {@link #write} of them would. */
    void writeRegion(FileChannel in, long from, long to) throws IOException {
        begin();
        while (from < to) {
            if (filled == 0 && to - from >= MAX_BLOCK && out instanceof RegionSink sink) {
                writeBlockHeader(MAX_BLOCK, false);
                sink.writeRegion(in, from, from + MAX_BLOCK);
                from += MAX_BLOCK;
                continue;
            }
            int n = (int) Math.min(to - from, MAX_BLOCK - filled);
            FileRegion.readFully(in, ByteBuffer.wrap(block, filled, n), from);
            filled += n;
            from += n;
            if (filled == MAX_BLOCK) writeBlock(false);
        }
    }

    /** Ends the open frame with its last block, possibly empty (no-op when none is open). */
    void end() throws IOException {
        if (!open) return;
        writeBlock(true);
        open = false;
    }

    private void begin() throws IOException {
        if (!open) {
            out.write(HEADER);
            open = true;
        }
    }

    private void writeBlock(boolean last) throws IOException {
        writeBlockHeader(filled, last);
        out.write(block, 0, filled);
        filled = 0;
    }

    private void writeBlockHeader(int size, boolean last) throws IOException {
        int h = (size << 3) | (RAW_BLOCK << 1) | (last ? 1 : 0);
        blockHeader[0] = (byte) h;
        blockHeader[1] = (byte) (h >>> 8);
        blockHeader[2] = (byte) (h >>> 16);
        out.write(blockHeader);
    }
}

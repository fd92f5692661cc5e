package dev.smelt.bundle.archive;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes zstd frames made only of raw (stored) blocks (RFC 8878 §3.1.1): what libzstd itself emits for a block that
 * does not compress, written here without running its match finder over bytes already known not to compress. Any
 * zstd decoder reads them, in the same stream as libzstd's own frames. Frame header: no content size (the length is
 * not known up front), a 128 KiB window (the largest block), no dictionary, no checksum (the bundle's SHA256SUMS
 * covers every file); blocks of 128 KiB at fixed offsets in the frame (collected here, so they do not depend on how the
 * caller split its writes), the last one shorter.
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

    boolean isOpen() {
        return open;
    }

    /** Stores {@code b[off..off+len)}, starting a frame when none is open. */
    void write(byte[] b, int off, int len) throws IOException {
        if (!open) {
            out.write(HEADER);
            open = true;
        }
        while (len > 0) {
            if (filled == MAX_BLOCK) writeBlock(false);
            int n = Math.min(len, MAX_BLOCK - filled);
            System.arraycopy(b, off, block, filled, n);
            filled += n;
            off += n;
            len -= n;
        }
    }

    /** Ends the open frame with its last block (no-op when none is open). */
    void end() throws IOException {
        if (!open) return;
        writeBlock(true);
        open = false;
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

package dev.smelt.bundle.archive;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.ZstdInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdaptiveZstdStreamTest {
    private static final int CHUNK = AdaptiveZstdStream.CHUNK;
    /** The header of a frame {@link RawZstdFrame} writes: magic, descriptor, 128 KiB window. */
    private static final byte[] RAW_FRAME_START = {0x28, (byte) 0xB5, 0x2F, (byte) 0xFD, 0x00, 0x38};

    /** Random chunks (do not compress), text chunks (compress well), random again, then a short text tail. */
    static byte[] mixed() {
        Random r = new Random(7);
        byte[] data = new byte[5 * CHUNK + 12_345];
        byte[] random = new byte[CHUNK];
        byte[] text = "the quick brown fox jumps over the lazy dog; {\"key\": [1, 2, 3]}\n".repeat(CHUNK / 60 + 1)
                .getBytes(StandardCharsets.US_ASCII);
        int[] kinds = {0, 0, 1, 1, 0, 1}; // 0 random, 1 text
        for (int c = 0; c < kinds.length; c++) {
            int off = c * CHUNK;
            int len = Math.min(CHUNK, data.length - off);
            if (kinds[c] == 0) {
                r.nextBytes(random);
                System.arraycopy(random, 0, data, off, len);
            } else {
                System.arraycopy(text, c, data, off, len);
            }
        }
        return data;
    }

    static byte[] compress(byte[] data, int workers, double minSaving, int writeSize) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (AdaptiveZstdStream z = new AdaptiveZstdStream(out, 1, workers, minSaving)) {
            for (int off = 0; off < data.length; off += writeSize) z.write(data, off, Math.min(writeSize, data.length - off));
        }
        return out.toByteArray();
    }

    static byte[] decompress(byte[] zst) throws IOException {
        try (ZstdInputStream in = new ZstdInputStream(new ByteArrayInputStream(zst))) {
            return in.readAllBytes();
        }
    }

    static int firstRawFrame(byte[] zst) {
        outer:
        for (int i = 0; i + RAW_FRAME_START.length <= zst.length; i++) {
            for (int j = 0; j < RAW_FRAME_START.length; j++) {
                if (zst[i + j] != RAW_FRAME_START[j]) continue outer;
            }
            return i;
        }
        return -1;
    }

    static int rawFrames(byte[] zst) {
        int n = 0;
        outer:
        for (int i = 0; i + RAW_FRAME_START.length <= zst.length; i++) {
            for (int j = 0; j < RAW_FRAME_START.length; j++) {
                if (zst[i + j] != RAW_FRAME_START[j]) continue outer;
            }
            n++;
        }
        return n;
    }

    @Test
    void storesWhatDoesNotCompressAndCompressesTheRestInOneReadableStream() throws Exception {
        byte[] data = mixed();
        byte[] zst = compress(data, 2, 0.10, 1 << 20);
        assertThat(decompress(zst)).isEqualTo(data);
        // two runs of random chunks become two stored frames; the three random chunks cost their size plus block
        // headers, the text chunks almost nothing
        assertThat(rawFrames(zst)).isEqualTo(2);
        assertThat(zst.length).isBetween(3 * CHUNK, 3 * CHUNK + CHUNK / 20);
    }

    /**
     * A chunk that starts with text and goes on with weights (the front of a bundle: LICENSE, card, config, then the
     * first shard) compresses its text pieces and stores the rest, piece by piece; a chunk that starts with weights
     * is stored whole, text and all.
     */
    @Test
    void aChunkThatStartsAsTextStoresItsIncompressiblePieces() throws Exception {
        byte[] data = new byte[2 * CHUNK];
        byte[] text = "the quick brown fox jumps over the lazy dog; {\"key\": [1, 2, 3]}\n".repeat(CHUNK / 60 + 1)
                .getBytes(StandardCharsets.US_ASCII);
        Random r = new Random(9);
        r.nextBytes(data);
        System.arraycopy(text, 0, data, 0, 100_000); // chunk 0: text, then random
        System.arraycopy(text, 0, data, CHUNK + AdaptiveZstdStream.PIECE, 100_000); // chunk 1: random, text inside
        byte[] zst = compress(data, 2, 0.10, 1 << 20);
        assertThat(decompress(zst)).isEqualTo(data);
        // chunk 0's first piece compressed (its text saved), its other seven stored in one frame that runs on through
        // all of chunk 1 (whose text is stored too)
        assertThat(rawFrames(zst)).isEqualTo(1);
        assertThat(firstRawFrame(zst)).isBetween(AdaptiveZstdStream.PIECE - 100_000, AdaptiveZstdStream.PIECE);
        assertThat(zst.length).isBetween(2 * CHUNK - 100_000, 2 * CHUNK - 100_000 + 10_000);
    }

    @Test
    void zeroMinimumSavingCompressesEveryChunk() throws Exception {
        byte[] data = mixed();
        byte[] zst = compress(data, 2, 0, 1 << 20);
        assertThat(decompress(zst)).isEqualTo(data);
        assertThat(rawFrames(zst)).isZero();
    }

    @Test
    void bytesDependOnTheInputOnlyNotOnWorkersOrWriteSizes() throws Exception {
        byte[] data = mixed();
        byte[] reference = compress(data, 1, 0.10, 1 << 20);
        assertThat(Arrays.equals(compress(data, 4, 0.10, 1 << 20), reference)).as("4 workers").isTrue();
        assertThat(Arrays.equals(compress(data, 2, 0.10, 4099), reference)).as("4099-byte writes").isTrue();
        assertThat(Arrays.equals(compress(data, 2, 0.10, 3 * CHUNK + 1), reference)).as("3 chunks + 1 byte writes").isTrue();
    }

    /**
     * A file range handed over as a range (read by the stream itself: probes held, compressed chunks through a buffer,
     * stored blocks straight into the write-behind buffers) gives the bytes of writing the same bytes, whether the
     * stream below takes ranges or not, and wherever the ranges start and end.
     */
    @Test
    void aFileRangeGivesTheBytesOfWritingIt(@TempDir Path tmp) throws Exception {
        byte[] data = mixed();
        byte[] reference = compress(data, 2, 0.10, 1 << 20);
        Path input = Files.write(tmp.resolve("in"), data);
        int[] cuts = {0, 12_345, 12_345 + 2 * CHUNK + 131_071, data.length};
        for (boolean sinkBelow : new boolean[] {true, false}) {
            Path file = Files.createFile(tmp.resolve("out-" + sinkBelow));
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (FileChannel in = FileChannel.open(input); FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                OutputStream below = sinkBelow ? new WriteBehindStream(ch, file) : bytes;
                try (AdaptiveZstdStream z = new AdaptiveZstdStream(below, 1, 2, 0.10)) {
                    z.write(data, 0, cuts[1]); // a prefix written, then two ranges
                    z.writeRegion(in, cuts[1], cuts[2]);
                    z.writeRegion(in, cuts[2], cuts[3]);
                }
                ch.force(true);
            }
            byte[] out = sinkBelow ? Files.readAllBytes(file) : bytes.toByteArray();
            assertThat(Arrays.equals(out, reference)).as("stream below takes ranges: %s", sinkBelow).isTrue();
        }
    }

    @Test
    void aStreamThatIsOnlyStoredOrEmptyStillDecodes() throws Exception {
        byte[] random = new byte[CHUNK + 100];
        new Random(3).nextBytes(random);
        assertThat(decompress(compress(random, 2, 0.10, 1 << 20))).isEqualTo(random);
        assertThat(decompress(compress(new byte[0], 2, 0.10, 1))).isEmpty();
    }
}

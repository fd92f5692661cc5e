package dev.smelt.quantizer.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import dev.smelt.converter.gguf.GgmlType;
import dev.smelt.testkit.interop.InteropTool;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Byte-exactness against llama.cpp: every block type, on rows of several shapes (Gaussian, heavy outliers,
 * all-zero and tiny blocks, constant rows, llama.cpp's cosine test vector), with no importance matrix
 * (reference path) and with one (weighted path), must give exactly the bytes of ggml-quants.c.
 */
class BlockQuantizerInteropIT {
    private static final int ROWS = 7;
    private static final int N = 768; // 3 K-quant super-blocks, 24 small blocks
    @RegisterExtension
    static final InteropTool<GgmlReference> REFERENCE = InteropTool.of("ggml reference", () -> {
        Path root = Path.of(System.getProperty("smelt.repo.root", "..")).toAbsolutePath().normalize();
        String[] why = {"unknown"};
        return GgmlReference.build(root, Path.of("target/ggml-reference").toAbsolutePath(), why)
                .orElseThrow(() -> new InteropTool.Missing(why[0]));
    });

    static float[] rows(long seed) {
        Random r = new Random(seed);
        float[] x = new float[ROWS * N];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * 0.02);
        // row 1: outliers
        for (int i = 0; i < 40; i++) x[N + r.nextInt(N)] = (float) (r.nextGaussian() * 3);
        // row 2: an all-zero 256 block, a tiny 32 block, a negative-only block, a positive-only block
        Arrays.fill(x, 2 * N, 2 * N + 256, 0f);
        for (int i = 0; i < 32; i++) x[2 * N + 256 + i] = (float) (r.nextGaussian() * 1e-20);
        for (int i = 0; i < 64; i++) x[2 * N + 320 + i] = -Math.abs(x[2 * N + 320 + i]) - 0.01f;
        for (int i = 0; i < 64; i++) x[2 * N + 384 + i] = Math.abs(x[2 * N + 384 + i]) + 0.5f;
        // row 3: constant
        Arrays.fill(x, 3 * N, 4 * N, 0.25f);
        // row 4: llama.cpp's cosine vector
        float[] cos = RoundTripErrorTest.syntheticData(1f);
        System.arraycopy(cos, 0, x, 4 * N, N);
        // row 5: large magnitudes with integers and exact halves (rounding ties)
        for (int i = 0; i < N; i++) x[5 * N + i] = (i % 3 == 0) ? (i % 17) - 8.5f : (float) (r.nextGaussian() * 300);
        // row 6: blocks so small that a scale's reciprocal overflows to infinity (near FLT_MIN, subnormals, a lone
        // tiny value among zeros): C's float-to-int conversions of inf and NaN are x86's, not Java's saturation
        for (int i = 0; i < 256; i++) x[6 * N + i] = (float) (r.nextGaussian() * 1e-38);
        for (int i = 256; i < 512; i++) x[6 * N + i] = (float) (r.nextGaussian() * 1e-42);
        for (int i = 512; i < N; i++) x[6 * N + i] = i % 37 == 0 ? (float) (r.nextGaussian() * 3e-39) : 0f;
        return x;
    }

    static float[] importance(long seed) {
        Random r = new Random(seed);
        float[] w = new float[N];
        for (int i = 0; i < N; i++) w[i] = (float) Math.abs(r.nextGaussian()) * (i % 97 == 0 ? 0 : 1) + (i % 5) * 0.1f;
        return w;
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K",
            "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS"})
    void bytesMatchGgml(GgmlType type) throws Exception {
        BlockQuantizer q = BlockQuantizer.of(type);
        int rowBytes = (int) type.byteSize(N);
        for (long seed = 1; seed <= 3; seed++) {
            float[] x = rows(seed);
            for (float[] imp : new float[][] {null, importance(seed + 100)}) {
                byte[] expected = REFERENCE.get().quantize(type.id(), x, ROWS, N, imp);
                byte[] actual = new byte[ROWS * rowBytes];
                for (int row = 0; row < ROWS; row++) q.quantizeRow(x, row * N, N, imp, actual, row * rowBytes);
                assertThat(expected).hasSize(actual.length);
                int first = Arrays.mismatch(expected, actual);
                if (first >= 0) {
                    int block = first / type.bytesPerBlock();
                    fail(type + (imp == null ? " reference" : " weighted") + " path, seed " + seed + ": first difference at byte "
                            + first + " (row " + first / rowBytes + ", block " + block % (rowBytes / type.bytesPerBlock())
                            + ", byte " + first % type.bytesPerBlock() + " of the block): ggml " + expected[first]
                            + ", smelt " + actual[first]);
                }
            }
        }
    }

    /**
     * Rows longer than one chunk of the row-wise searches ({@link QxRowSearch#CHUNK}, here 2.5 chunks), at
     * magnitudes from 1e-3 to 1e3, with zero and tiny blocks: the same bytes as ggml for every type, both paths.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K",
            "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS"})
    void longRowsMatchGgml(GgmlType type) throws Exception {
        int n = QxRowSearch.CHUNK * 5 / 2;
        int rows = 4;
        Random r = new Random(5);
        float[] x = new float[rows * n];
        for (int row = 0; row < rows; row++) {
            double sd = Math.pow(10, -3 + 2 * row);
            for (int i = 0; i < n; i++) x[row * n + i] = (float) (r.nextGaussian() * sd);
        }
        Arrays.fill(x, n + 1024, n + 1280, 0f);
        for (int i = 0; i < 48; i++) x[2 * n + 2048 + i] = (float) (r.nextGaussian() * 1e-25);
        float[] imp = new float[n];
        for (int i = 0; i < n; i++) imp[i] = (float) Math.abs(r.nextGaussian()) * (i % 89 == 0 ? 0 : 1);
        BlockQuantizer q = BlockQuantizer.of(type);
        int rowBytes = (int) type.byteSize(n);
        for (float[] weights : new float[][] {null, imp}) {
            byte[] expected = REFERENCE.get().quantize(type.id(), x, rows, n, weights);
            byte[] actual = new byte[rows * rowBytes];
            for (int row = 0; row < rows; row++) q.quantizeRow(x, row * n, n, weights, actual, row * rowBytes);
            int first = Arrays.mismatch(expected, actual);
            assertThat(first).as("%s %s path: first difference at byte %d (row %d)", type,
                    weights == null ? "reference" : "weighted", first, first / rowBytes).isEqualTo(-1);
        }
    }
}

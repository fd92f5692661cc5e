package dev.smelt.bundle.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.smelt.bundle.bench.BundleBenchmark.Result;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BundleBenchmarkResultTest {
    /** Rates as one noisy invocation measured them (MB/s): one direct-copy burst, steadier other runs. */
    private static Result measured() {
        Map<String, List<Double>> runs = new LinkedHashMap<>();
        runs.put("copy", List.of(655.0, 668.0, 669.0, 819.0));
        runs.put("kernel-copy", List.of(1015.0, 703.0, 853.0, 886.0));
        runs.put("direct-copy", List.of(730.0, 886.0, 953.0, 1404.0));
        runs.put("tar.zst", List.of(907.0, 772.0, 888.0, 808.0));
        return new Result(2L << 30, runs, Map.of("copy", 1L, "kernel-copy", 1L, "direct-copy", 1L, "tar.zst", 1L));
    }

    @Test
    void eachSideIsItsMedianRunAndTheBaseIsTheCopyWithTheHighestMedian() {
        Result r = measured();
        assertThat(r.median("copy")).isEqualTo(668.5);
        assertThat(r.median("kernel-copy")).isEqualTo(869.5);
        assertThat(r.median("direct-copy")).isEqualTo(919.5);
        assertThat(r.median("tar.zst")).isEqualTo(848.0);
        assertThat(r.baseline()).isEqualTo("direct-copy");
        assertThat(r.ratio("tar.zst")).isCloseTo(848.0 / 919.5, within(1e-12));
        // the best runs are reported beside it: the bundle's best against the one burst of any copy
        assertThat(r.best("tar.zst")).isEqualTo(907.0);
        assertThat(r.bestRatio("tar.zst")).isCloseTo(907.0 / 1404.0, within(1e-12));
    }

    @Test
    void anOddNumberOfRunsTakesTheMiddleOneAndSidesKeepTheirOrder() {
        Map<String, List<Double>> runs = new LinkedHashMap<>();
        runs.put("kernel-copy", List.of(3.0, 1.0, 2.0));
        runs.put("copy", List.of(5.0, 4.0, 1.0));
        runs.put("zip", List.of(1.0, 1.0, 9.0));
        Result r = new Result(1, runs, Map.of());
        assertThat(r.median("copy")).isEqualTo(4.0);
        assertThat(r.median("zip")).isEqualTo(1.0);
        assertThat(r.baseline()).isEqualTo("copy");
        assertThat(r.runs().keySet()).containsExactly("kernel-copy", "copy", "zip");
    }
}

package dev.smelt.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ProgressPrinterTest {
    @Test
    void lineShowsFilesBytesPercentRateAndEta() {
        TransferProgress p = new TransferProgress();
        p.expect(4L << 30, 4);
        ProgressPrinter printer = new ProgressPrinter(p, new PrintWriter(new StringWriter()), true, "pull");
        printer.line(p.snapshot(), 0);
        p.transferred(1L << 30);
        p.fileDone();
        String line = printer.line(p.snapshot(), 2_000_000_000L);
        assertThat(line).isEqualTo("pull  1/4 files  1.0 GiB / 4.0 GiB   25%  512 MiB/s  ETA 6s");
    }

    @Test
    void resumedBytesCountAsDoneButNotAsRate() {
        TransferProgress p = new TransferProgress();
        p.expect(1000, 1);
        p.resumed(500);
        ProgressPrinter printer = new ProgressPrinter(p, new PrintWriter(new StringWriter()), false, null);
        printer.line(p.snapshot(), 0);
        assertThat(printer.line(p.snapshot(), 1_000_000_000L)).isEqualTo("0/1 files  500 B / 1000 B   50%  0 B/s");
        assertThat(ProgressPrinter.duration(3725)).isEqualTo("1h02m");
    }
}

package dev.smelt.converter.hf;

import dev.smelt.converter.gguf.GgufTensor;
import java.nio.file.Path;

/** Test helper process: exports a model to GGUF slowly (a pause per tensor) so a test can stop it mid-write. */
public final class SlowExportMain {
    private SlowExportMain() {}

    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]);
        Path out = Path.of(args[1]);
        GgufExport.export(model, out, GgufExport.Options.of(OutputType.F16), new GgufExport.Listener() {
            @Override
            public void tensorStarted(int index, int count, GgufTensor tensor) {
                if (index == 1) {
                    System.out.println("writing");
                    System.out.flush();
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
    }
}

package dev.smelt.quantizer.block;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * llama.cpp's own quantizers as a test oracle: ggml-quants.c from the llama.cpp source that node-llama-cpp
 * ships ({@code interop/node_modules/node-llama-cpp/llama/gitRelease.bundle}), compiled with gcc using
 * ggml-base's release flags (-O3, generic x86-64, no FMA) together with src/test/c/ggml_quantize_ref.c.
 * Built once per test run under target/.
 */
final class GgmlReference {
    private final Path executable;

    private GgmlReference(Path executable) {
        this.executable = executable;
    }

    /** The compiled oracle, or empty with the reason in {@code why[0]} when git, gcc or the bundle is missing. */
    static synchronized Optional<GgmlReference> build(Path repoRoot, Path workDir, String[] why) {
        try {
            Path bundle = repoRoot.resolve("interop/node_modules/node-llama-cpp/llama/gitRelease.bundle");
            if (!Files.isRegularFile(bundle)) {
                why[0] = bundle + " missing (run interop/install.sh)";
                return Optional.empty();
            }
            Path exe = workDir.resolve("ggml_quantize_ref");
            if (Files.isExecutable(exe)) return Optional.of(new GgmlReference(exe));
            Path src = workDir.resolve("llama.cpp");
            if (!Files.isRegularFile(src.resolve("ggml/src/ggml-quants.c"))) {
                deleteTree(src);
                Files.createDirectories(workDir);
                if (!run(why, workDir, "git", "clone", "-q", "--no-checkout", bundle.toString(), src.toString())) {
                    return Optional.empty();
                }
                if (!run(why, src, "git", "checkout", "-q", "HEAD", "--", "ggml/include", "ggml/src")) {
                    return Optional.empty();
                }
            }
            Path driver = repoRoot.resolve("quantizer/src/test/c/ggml_quantize_ref.c");
            String ggml = src.resolve("ggml").toString();
            if (!run(why, workDir, "gcc", "-O3", "-std=gnu11", "-D_GNU_SOURCE", "-DNDEBUG", "-I" + ggml + "/include",
                    "-I" + ggml + "/src", driver.toString(), ggml + "/src/ggml-quants.c", "-lm", "-o", exe.toString())) {
                return Optional.empty();
            }
            return Optional.of(new GgmlReference(exe));
        } catch (IOException | InterruptedException e) {
            why[0] = "building the ggml reference failed: " + e;
            return Optional.empty();
        }
    }

    /** ggml_quantize_chunk's bytes for {@code rows} rows of {@code n} values. */
    byte[] quantize(int typeId, float[] x, int rows, int n, float[] importance) throws IOException, InterruptedException {
        ByteBuffer in = ByteBuffer.allocate(16 + 4 * (x.length + (importance != null ? n : 0))).order(ByteOrder.LITTLE_ENDIAN);
        in.putInt(typeId).putInt(rows).putInt(n).putInt(importance != null ? 1 : 0);
        if (importance != null) for (int i = 0; i < n; i++) in.putFloat(importance[i]);
        for (float v : x) in.putFloat(v);
        Process p = new ProcessBuilder(executable.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Thread feeder = new Thread(() -> {
            try (OutputStream os = p.getOutputStream()) {
                os.write(in.array());
            } catch (IOException ignored) {
                // the process failed; its exit code reports it
            }
        });
        feeder.start();
        byte[] out;
        try (InputStream is = p.getInputStream()) {
            out = is.readAllBytes();
        }
        feeder.join();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("ggml_quantize_ref exited with " + p.exitValue());
        }
        return out;
    }

    private static boolean run(String[] why, Path dir, String... cmd) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            why[0] = cmd[0] + " is not available: " + e.getMessage();
            return false;
        }
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        p.getInputStream().transferTo(log);
        if (p.waitFor() != 0) {
            why[0] = String.join(" ", List.of(cmd).subList(0, Math.min(3, cmd.length))) + " failed: " + log;
            return false;
        }
        return true;
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        List<Path> all = new ArrayList<>();
        try (var s = Files.walk(p)) {
            s.forEach(all::add);
        }
        for (int i = all.size() - 1; i >= 0; i--) Files.delete(all.get(i));
    }
}

package dev.smelt.spark.prepare;

import dev.smelt.datasets.prepare.ModelText;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkFiles;

/**
 * Where executors find the model's tokenizer and chat template: the driver's model directory itself (local mode, or a
 * path every executor sees), or its small files shipped with {@code SparkContext.addFile} under unique names and
 * gathered back into a directory on each executor. Each executor JVM loads the tokenizer once and shares it among its
 * task threads (DJL's tokenizer is thread-safe; loading it turns DJL's telemetry off first).
 *
 * @param dir the model directory on the driver
 * @param shipped shipped name to file name, or null when executors read {@code dir}
 */
record ModelFiles(String dir, Map<String, String> shipped) implements Serializable {
    private static final Map<String, ModelText> LOADED = new ConcurrentHashMap<>();

    ModelText load() {
        String key = shipped == null ? dir : "shipped:" + dir + ":" + shipped.keySet();
        return LOADED.computeIfAbsent(key, k -> ModelText.load(shipped == null ? Path.of(dir) : gather()));
    }

    private Path gather() {
        try {
            Path local = Files.createTempDirectory("smelt-model-");
            for (Map.Entry<String, String> e : shipped.entrySet()) {
                Files.copy(Path.of(SparkFiles.get(e.getKey())), local.resolve(e.getValue()), StandardCopyOption.REPLACE_EXISTING);
            }
            local.toFile().deleteOnExit();
            return local;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

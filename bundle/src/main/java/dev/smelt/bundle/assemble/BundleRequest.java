package dev.smelt.bundle.assemble;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * What to bundle. At least one of {@code model}, {@code adapter}, {@code gguf}, {@code onnx} is needed.
 *
 * @param base         the base model snapshot whose card or LICENSE decides the licence; null: {@code model}, else
 *                     the adapter's {@code base_model_name_or_path} when that is a directory
 * @param license      the bundle's licence id when it is not Apache-2.0 (null: Apache-2.0, gated)
 * @param datasetCards data set directories (their README.md card) whose ids and licences go into NOTICE
 * @param metrics      extra files for {@code metrics/} (a quantization report, …)
 * @param mtime        entry mtime; null: {@code SOURCE_DATE_EPOCH}, else the newest input file's mtime
 */
public record BundleRequest(Path model, Path adapter, List<Path> gguf, Path mmproj, Path onnx, Path base, String name,
        String version, Path out, String license, List<Path> datasetCards, Path recipe, List<Path> metrics,
        List<String> languages, String smeltVersion, Instant mtime) {
    public BundleRequest {
        gguf = List.copyOf(gguf);
        datasetCards = List.copyOf(datasetCards);
        metrics = List.copyOf(metrics);
        languages = List.copyOf(languages);
    }
}

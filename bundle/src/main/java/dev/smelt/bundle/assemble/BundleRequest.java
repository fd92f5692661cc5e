package dev.smelt.bundle.assemble;

import dev.smelt.bundle.archive.ArchiveFormat;
import dev.smelt.core.SmeltException;
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
 * @param zstdMinSaving tar.zst only: chunks whose trial compression saves less than this share are stored (0 to 1;
 *                     0 compresses everything); null: {@link ArchiveFormat#ZSTD_MIN_SAVING}
 */
public record BundleRequest(Path model, Path adapter, List<Path> gguf, Path mmproj, Path onnx, Path base, String name,
        String version, Path out, String license, List<Path> datasetCards, Path recipe, List<Path> metrics,
        List<String> languages, String smeltVersion, Instant mtime, Double zstdMinSaving) {
    public BundleRequest {
        if (zstdMinSaving != null && !(zstdMinSaving >= 0 && zstdMinSaving < 1)) {
            throw new SmeltException("zstd min saving (--zstd-min-saving, recipe bundle.zstd_min_saving) must be at least 0 and below 1, got "
                    + zstdMinSaving);
        }
        gguf = List.copyOf(gguf);
        datasetCards = List.copyOf(datasetCards);
        metrics = List.copyOf(metrics);
        languages = List.copyOf(languages);
    }
}

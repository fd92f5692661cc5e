package dev.smelt.bundle.card;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the card and NOTICE say, gathered by the bundler from its inputs.
 *
 * @param relation      Hub {@code base_model_relation}: {@code finetune}, {@code adapter}, {@code quantized}
 * @param libraryName   Hub {@code library_name}: {@code transformers}, {@code peft} or {@code gguf}
 * @param baseRevision  the base snapshot's commit (Hub cache) or null for a local directory
 * @param hyperParameters adapter and training settings, in display order
 * @param evaluation    metric name → value from the training metrics, in display order
 * @param onnxFiles     bundle paths of the ONNX models
 */
public record BundleFacts(String name, String version, String licenseId, String licenseName, List<String> baseModels,
        String baseRevision, String baseLicense, String relation, String libraryName, List<String> tags,
        List<DatasetInfo> datasets, List<String> languages, String smeltVersion, Map<String, String> hyperParameters,
        Map<String, String> evaluation, List<EdgeTier> gguf, boolean hasModel, boolean hasAdapter,
        List<String> onnxFiles) {
    public BundleFacts {
        baseModels = List.copyOf(baseModels);
        tags = List.copyOf(tags);
        datasets = List.copyOf(datasets);
        languages = List.copyOf(languages);
        hyperParameters = Collections.unmodifiableMap(new LinkedHashMap<>(hyperParameters));
        evaluation = Collections.unmodifiableMap(new LinkedHashMap<>(evaluation));
        gguf = List.copyOf(gguf);
        onnxFiles = List.copyOf(onnxFiles);
    }
}

package dev.smelt.core.inspect;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code smelt inspect} reports about a model artefact.
 *
 * @param kind                  hf-directory, safetensors, gguf or config
 * @param architecture          model_type (or GGUF general.architecture); null when unknown
 * @param parameters            elements across all tensors present
 * @param parametersFromConfig  what config.json implies for the language model; null when there is no config
 * @param missing               tensors the architecture expects but the weights lack
 * @param unexpected            tensors present that the architecture does not use (carried through)
 * @param extra                 kind-specific facts (GGUF metadata, config-only breakdowns), insertion-ordered
 */
public record Inspection(
        String path,
        String kind,
        String architecture,
        long parameters,
        Long parametersFromConfig,
        long totalBytes,
        List<TensorRow> tensors,
        List<String> missing,
        List<String> unexpected,
        Map<String, Object> extra) {

    /** Parameter count per stored type, in first-seen order. */
    public Map<String, Long> parametersByType() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (TensorRow t : tensors) out.merge(t.type(), t.numElements(), Long::sum);
        return out;
    }
}

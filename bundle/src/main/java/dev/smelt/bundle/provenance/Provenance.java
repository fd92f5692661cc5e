package dev.smelt.bundle.provenance;

import java.util.List;

/**
 * What every artefact of a bundle says about where it came from. {@code baseModels} are Hub ids
 * ({@code org/name}) or plain names; {@code chatTemplate} may be null when the model has none.
 */
public record Provenance(String licenseId, String licenseName, String licenseLink, List<String> baseModels,
        List<String> tags, String chatTemplate, String smeltVersion) {
    public Provenance {
        baseModels = List.copyOf(baseModels);
        tags = List.copyOf(tags);
    }

    static String organization(String id) {
        int slash = id.indexOf('/');
        return slash > 0 ? id.substring(0, slash) : null;
    }

    static String shortName(String id) {
        return id.substring(id.indexOf('/') + 1);
    }

    static String repoUrl(String id) {
        return id.indexOf('/') > 0 ? "https://huggingface.co/" + id : null;
    }
}

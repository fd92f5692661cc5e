package dev.smelt.bundle.provenance;

import dev.smelt.bundle.archive.ArchiveEntry;
import dev.smelt.bundle.archive.FileRegion;
import dev.smelt.core.SmeltException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Stamps an .onnx model: the file is copied as it is and {@code metadata_props} entries are appended for the keys it
 * lacks ({@code license}, {@code license_name}, {@code license_link}, {@code base_model}, {@code tags},
 * {@code smelt_version}). Appending a repeated field to a serialized message is a protobuf merge, so every ONNX
 * reader sees the original entries followed by the new ones. Keys are never repeated (ONNX checkers refuse
 * duplicates), so a file stating a different licence is refused rather than re-stamped.
 */
public final class OnnxProvenance {
    private OnnxProvenance() {}

    public static ArchiveEntry entry(String path, Path onnx, Provenance p) throws IOException {
        Map<String, String> existing = OnnxMetadata.read(onnx);
        Map<String, String> add = new LinkedHashMap<>();
        add.put("license", p.licenseId());
        add.put("license_name", p.licenseName());
        if (p.licenseLink() != null) add.put("license_link", p.licenseLink());
        if (!p.baseModels().isEmpty()) add.put("base_model", String.join(",", p.baseModels()));
        if (!p.tags().isEmpty()) add.put("tags", String.join(",", p.tags()));
        add.put("smelt_version", p.smeltVersion());
        String license = existing.get("license");
        if (license != null && !license.equalsIgnoreCase(p.licenseId())) {
            throw new SmeltException(onnx + ": metadata_props license is '" + license + "', the bundle's is '"
                    + p.licenseId() + "'");
        }
        add.keySet().removeIf(existing::containsKey);
        byte[] tail = OnnxMetadata.encode(add);
        long size = Files.size(onnx);
        return new ArchiveEntry(path, size + tail.length, out -> {
            FileRegion.copy(onnx, 0, size, out);
            out.write(tail);
        });
    }
}

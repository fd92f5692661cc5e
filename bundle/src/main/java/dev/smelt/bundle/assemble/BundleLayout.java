package dev.smelt.bundle.assemble;

import java.util.List;

/**
 * Paths inside a bundle. Payload entries are sorted by path (byte order); {@code MANIFEST.json} and
 * {@code SHA256SUMS}, which cover every other entry, come last, so one streaming pass writes the archive.
 */
public final class BundleLayout {
    public static final String MODEL = "model/";
    public static final String ADAPTER = "adapter/";
    public static final String GGUF = "gguf/";
    public static final String ONNX = "onnx/";
    public static final String METRICS = "metrics/";
    public static final String LICENSE = "LICENSE";
    public static final String NOTICE = "NOTICE";
    public static final String README = "README.md";
    public static final String RECIPE = "recipe.yaml";
    /** Files every bundle has, besides MANIFEST.json and SHA256SUMS. */
    public static final List<String> REQUIRED = List.of(LICENSE, NOTICE, README);

    private BundleLayout() {}

    public static String ggufName(String name, String version, String type) {
        return GGUF + name + "-" + version + "-" + type + ".gguf";
    }
}

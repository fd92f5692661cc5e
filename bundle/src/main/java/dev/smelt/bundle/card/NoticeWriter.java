package dev.smelt.bundle.card;

/** Renders NOTICE: what the bundle is built from and under which licences, and the tool that built it. */
public final class NoticeWriter {
    private NoticeWriter() {}

    public static String render(BundleFacts f) {
        StringBuilder b = new StringBuilder();
        b.append(f.name()).append(' ').append(f.version()).append('\n');
        b.append("Licensed under ").append(f.licenseName()).append(" (").append(f.licenseId()).append("); see LICENSE.\n\n");
        b.append("Base model:\n");
        if (f.baseModels().isEmpty()) b.append("  (none recorded)\n");
        for (String base : f.baseModels()) {
            b.append("  ").append(base).append('\n');
        }
        b.append("  licence: ").append(f.baseLicense() == null ? "not stated" : f.baseLicense()).append('\n');
        b.append("  revision: ").append(f.baseRevision() == null ? "local directory (no Hub revision)" : f.baseRevision()).append('\n');
        b.append("\nDatasets:\n");
        if (f.datasets().isEmpty()) b.append("  (none recorded)\n");
        for (DatasetInfo d : f.datasets()) {
            b.append("  ").append(d.id()).append(" (licence: ").append(d.license()).append(")\n");
        }
        b.append("\nBuilt with Smelt ").append(f.smeltVersion()).append(" (Apache License 2.0).\n");
        return b.toString();
    }
}

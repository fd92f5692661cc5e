package dev.smelt.bundle.provenance;

import dev.smelt.bundle.archive.ArchiveEntry;
import dev.smelt.bundle.archive.FileRegion;
import dev.smelt.converter.gguf.GgufReader;
import dev.smelt.converter.gguf.GgufTensorInfo;
import dev.smelt.converter.gguf.GgufValue;
import dev.smelt.converter.gguf.GgufValueType;
import dev.smelt.converter.gguf.GgufWriter;
import dev.smelt.converter.gguf.vocab.GgufKeys;
import dev.smelt.converter.gguf.vocab.GgufKeys.General;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Stamps a GGUF file: the licence keys and Smelt's version are set to the bundle's; base models, the chat template
 * and tags are added where the file lacks them (tags are merged). The new header is followed by the input's data
 * region as it is (offsets are relative to the data start and the alignment is kept), streamed from the file.
 */
public final class GgufProvenance {
    private GgufProvenance() {}

    public static ArchiveEntry entry(String path, Path gguf, Provenance p) throws IOException {
        List<GgufTensorInfo> tensors;
        Map<String, GgufValue> metadata;
        long dataStart;
        long fileSize;
        try (GgufReader r = GgufReader.open(gguf)) {
            tensors = r.tensors();
            metadata = stamp(r.metadata(), p);
            dataStart = r.dataStart();
            fileSize = r.fileSize();
        }
        byte[] header = GgufWriter.header(metadata, tensors);
        long dataBytes = fileSize - dataStart;
        return new ArchiveEntry(path, header.length + dataBytes, out -> {
            out.write(header);
            FileRegion.copy(gguf, dataStart, fileSize, out);
        });
    }

    /** The metadata with the bundle's provenance applied, in the input's key order with new keys after. */
    static Map<String, GgufValue> stamp(Map<String, GgufValue> input, Provenance p) {
        Map<String, GgufValue> m = new LinkedHashMap<>(input);
        m.put(General.LICENSE, GgufValue.of(p.licenseId()));
        m.put(General.LICENSE_NAME, GgufValue.of(p.licenseName()));
        if (p.licenseLink() != null) m.put(General.LICENSE_LINK, GgufValue.of(p.licenseLink()));
        else m.remove(General.LICENSE_LINK);
        if (!m.containsKey(General.BASE_MODEL_COUNT) && !p.baseModels().isEmpty()) {
            m.put(General.BASE_MODEL_COUNT, GgufValue.u32(p.baseModels().size()));
            for (int i = 0; i < p.baseModels().size(); i++) {
                String id = p.baseModels().get(i);
                m.put(General.BASE_MODEL_NAME.of(i), GgufValue.of(Provenance.shortName(id)));
                String org = Provenance.organization(id);
                if (org != null) m.put(General.BASE_MODEL_ORGANIZATION.of(i), GgufValue.of(org));
                String url = Provenance.repoUrl(id);
                if (url != null) m.put(General.BASE_MODEL_REPO_URL.of(i), GgufValue.of(url));
            }
        }
        Set<String> tags = new LinkedHashSet<>();
        if (m.get(General.TAGS) instanceof GgufValue.Array a && a.elementType() == GgufValueType.STRING) {
            a.values().forEach(v -> tags.add(((GgufValue.Str) v).value()));
        }
        tags.addAll(p.tags());
        List<GgufValue> tagValues = new ArrayList<>();
        tags.forEach(t -> tagValues.add(GgufValue.of(t)));
        m.put(General.TAGS, new GgufValue.Array(GgufValueType.STRING, tagValues));
        boolean isModel = !(m.get(General.TYPE) instanceof GgufValue.Str t) || t.value().equals(GgufKeys.GeneralType.MODEL);
        if (isModel && p.chatTemplate() != null && !m.containsKey(GgufKeys.Tokenizer.CHAT_TEMPLATE)) {
            m.put(GgufKeys.Tokenizer.CHAT_TEMPLATE, GgufValue.of(p.chatTemplate()));
        }
        m.put(GgufKeys.Smelt.VERSION, GgufValue.of(p.smeltVersion()));
        return m;
    }
}

package dev.smelt.bundle.provenance;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smelt.bundle.archive.ArchiveEntry;
import dev.smelt.bundle.archive.FileRegion;
import dev.smelt.core.SmeltException;
import dev.smelt.core.safetensors.SafetensorsFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Stamps a .safetensors file's {@code __metadata__} (string → string): {@code license}, {@code license_name},
 * {@code license_link}, {@code base_model} (comma-separated), {@code tags}, {@code chat_template} where the file
 * has none, and {@code smelt_version}. The tensor entries and data are unchanged; the header is padded with
 * spaces to a multiple of 8 bytes, as the safetensors library writes it.
 */
public final class SafetensorsProvenance {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SafetensorsProvenance() {}

    public static ArchiveEntry entry(String path, Path file, Provenance p) throws IOException {
        long dataStart;
        long fileSize;
        byte[] oldHeader;
        Map<String, String> old;
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            dataStart = f.dataStart();
            fileSize = f.fileSize();
            old = f.metadata();
            ByteBuffer raw = f.rawHeader();
            oldHeader = new byte[(int) (dataStart - 8)];
            raw.position(8).get(oldHeader);
        }
        ObjectNode header;
        try {
            header = (ObjectNode) JSON.readTree(oldHeader);
        } catch (IOException | ClassCastException e) {
            throw new SmeltException(file + ": safetensors header is not a JSON object");
        }
        ObjectNode meta = header.putObject("__metadata__");
        stamp(old, p).forEach(meta::put);
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        byte[] headBytes = head.array();
        return new ArchiveEntry(path, headBytes.length + fileSize - dataStart, out -> {
            out.write(headBytes);
            FileRegion.copy(file, dataStart, fileSize, out);
        });
    }

    static Map<String, String> stamp(Map<String, String> input, Provenance p) {
        Map<String, String> m = new LinkedHashMap<>(input);
        m.put("license", p.licenseId());
        m.put("license_name", p.licenseName());
        if (p.licenseLink() != null) m.put("license_link", p.licenseLink());
        else m.remove("license_link");
        if (!p.baseModels().isEmpty()) m.putIfAbsent("base_model", String.join(",", p.baseModels()));
        if (!p.tags().isEmpty()) m.put("tags", String.join(",", p.tags()));
        if (p.chatTemplate() != null) m.putIfAbsent("chat_template", p.chatTemplate());
        m.put("smelt_version", p.smeltVersion());
        return m;
    }
}

package dev.smelt.core.safetensors;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smelt.core.SmeltException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every malformed-file case the reader must reject, each with its exact message. */
class MalformedSafetensorsTest {
    @TempDir
    Path tmp;

    private Path file(byte[] header, int dataBytes) throws IOException {
        return file(header.length, header, dataBytes);
    }

    private Path file(long declaredLength, byte[] header, int dataBytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLength).put(header);
        Path p = tmp.resolve("bad.safetensors");
        Files.write(p, b.array());
        return p;
    }

    private Path file(String header, int dataBytes) throws IOException {
        return file(header.getBytes(StandardCharsets.UTF_8), dataBytes);
    }

    private void assertRejected(Path p, String message) {
        assertThatThrownBy(() -> SafetensorsFile.open(p).close())
                .isInstanceOf(SmeltException.class)
                .hasMessage(p + ": invalid safetensors file: " + message);
    }

    @Test
    void tooShortForLength() throws IOException {
        Path p = tmp.resolve("bad.safetensors");
        Files.write(p, new byte[5]);
        assertRejected(p, "file is 5 bytes, too short for the 8-byte header length");
    }

    @Test
    void headerLongerThanFile() throws IOException {
        assertRejected(file(1000, "{}".getBytes(StandardCharsets.UTF_8), 0),
                "header length 1000 is larger than the file (10 bytes)");
    }

    @Test
    void headerOver100MB() throws IOException {
        assertRejected(file(200_000_000L, "{}".getBytes(StandardCharsets.UTF_8), 0),
                "header length 200000000 exceeds the 100 MB limit");
    }

    @Test
    void negativeHeaderLength() throws IOException {
        assertRejected(file(-1L, "{}".getBytes(StandardCharsets.UTF_8), 0),
                "header length 18446744073709551615 exceeds the 100 MB limit");
    }

    @Test
    void nonUtf8Header() throws IOException {
        assertRejected(file(new byte[] {'{', (byte) 0xff, (byte) 0xfe, '}'}, 0), "header is not valid UTF-8");
    }

    @Test
    void invalidJson() throws IOException {
        assertThatThrownBy(() -> SafetensorsFile.open(file("{\"a\": [1, 2", 0)))
                .isInstanceOf(SmeltException.class)
                .hasMessageStartingWith(tmp.resolve("bad.safetensors") + ": invalid safetensors file: header is not valid JSON: ");
    }

    @Test
    void headerNotAnObject() throws IOException {
        assertRejected(file("[1,2]", 0), "header is not a JSON object");
    }

    @Test
    void duplicateNames() throws IOException {
        assertRejected(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8),
                "duplicate tensor name in header: 'w'");
    }

    @Test
    void overlappingOffsets() throws IOException {
        assertRejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12),
                "tensors \"a\" and \"b\" have overlapping data_offsets");
    }

    @Test
    void offsetsBeyondFile() throws IOException {
        assertRejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8),
                "tensor \"a\": data_offsets [0,16] out of range (data section is 8 bytes)");
    }

    @Test
    void reversedOffsets() throws IOException {
        assertRejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", 8),
                "tensor \"a\": data_offsets [8,4] must be integers with 0 <= begin <= end");
    }

    @Test
    void shapeTimesDtypeMismatch() throws IOException {
        assertRejected(file("{\"a\":{\"dtype\":\"F16\",\"shape\":[2,3],\"data_offsets\":[0,8]}}", 8),
                "tensor \"a\": shape [2,3] × F16 needs 12 bytes but data_offsets [0,8] span 8");
    }

    @Test
    void unknownDtype() throws IOException {
        assertThatThrownBy(() -> SafetensorsFile.open(file("{\"a\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,1]}}", 8)))
                .hasMessageContaining("tensor \"a\": unknown dtype \"Q4\" (supported: F64, F32, F16, BF16");
    }

    @Test
    void negativeShape() throws IOException {
        assertRejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 8),
                "tensor \"a\": shape must hold non-negative integers, got [-1]");
    }

    @Test
    void missingFields() throws IOException {
        assertRejected(file("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 8), "tensor \"a\": missing string field dtype");
        assertRejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 8), "tensor \"a\": data_offsets must be [begin, end]");
    }

    @Test
    void metadataMustBeStrings() throws IOException {
        assertRejected(file("{\"__metadata__\":{\"n\":1}}", 0), "__metadata__.n must be a string");
    }
}

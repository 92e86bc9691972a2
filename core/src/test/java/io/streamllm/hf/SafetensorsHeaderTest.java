package io.streamllm.hf;

import io.streamllm.api.ModelFormatException;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Shapes and data offsets of a safetensors header are checked for type and against the file's size. */
class SafetensorsHeaderTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "[\"2\"]|[0, 8]|has shape value 2, not a non-negative integer",
            "[2.5]|[0, 8]|has shape value 2.5, not a non-negative integer",
            "[-2]|[0, 8]|has shape value -2, not a non-negative integer",
            "[4294967296, 4294967296, 4294967296]|[0, 8]|more elements than the file's 8 bytes of data hold",
            "[2]|[0, \"8\"]|has data_offsets value 8, not a non-negative integer",
            "[2]|[0, 9223372036854775807]|has data_offsets [0, 9223372036854775807] but the data section has 8 bytes",
    })
    void badShapeOrOffsetsAreRefusedByName(String shape, String offsets, String message) throws IOException {
        Path file = dir.resolve("model.safetensors");
        byte[] header = ("{\"w\": {\"dtype\": \"F32\", \"shape\": " + shape + ", \"data_offsets\": " + offsets + "}}")
                .getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        Files.write(file, b.array());
        assertThatThrownBy(() -> SafetensorsFile.open(file))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("tensor 'w' ")
                .hasMessageContaining(message);
    }
}

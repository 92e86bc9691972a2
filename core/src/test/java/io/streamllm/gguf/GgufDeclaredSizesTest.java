package io.streamllm.gguf;

import io.streamllm.api.ModelFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every length, count, shape and offset a GGUF header declares is checked against the file before it is used. */
class GgufDeclaredSizesTest {
    /** magic, version, tensor count, metadata count: the first metadata key's length follows. */
    private static final int FIRST_KEY_LENGTH_AT = 4 + 4 + 8 + 8;

    @TempDir
    Path dir;

    @Test
    void keyLengthNearTwoToTheSixtyThreeIsRefusedByName() throws IOException {
        Path file = dir.resolve("key.gguf");
        new GgufWriter().putString("general.architecture", "llama").write(file);
        patchLong(file, FIRST_KEY_LENGTH_AT, Long.MAX_VALUE);
        assertThatThrownBy(() -> GgufFile.open(file))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("metadata key runs past the end");
    }

    @Test
    void hugeTensorOffsetIsRefusedAtOpenAndNeverReachesTheMapping() throws IOException {
        Path file = dir.resolve("offset.gguf");
        new GgufWriter().putString("general.architecture", "llama")
                .addTensor("t", new long[] {8}, new float[8]).write(file);
        // offset + size overflows a long; the sum used to wrap negative and pass the bounds check.
        patchLong(file, tensorInfoField(file, "t", 1, OFFSET_FIELD), Long.MAX_VALUE - 31);
        assertThatThrownBy(() -> GgufFile.open(file))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("tensor 't' at data offset 9223372036854775776")
                .hasMessageContaining("ends past the end of the file");
    }

    @Test
    void shapeWhoseElementCountOverflowsIsRefused() throws IOException {
        Path file = dir.resolve("shape.gguf");
        new GgufWriter().putString("general.architecture", "llama")
                .addTensor("t", new long[] {1, 1, 1, 8}, new float[8]).write(file);
        int shapeAt = tensorInfoField(file, "t", 4, SHAPE_FIELD);
        for (int d = 0; d < 4; d++) {
            patchLong(file, shapeAt + 8 * d, Integer.MAX_VALUE);
        }
        assertThatThrownBy(() -> GgufFile.open(file))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("tensor 't' has shape [2147483647")
                .hasMessageContaining("more elements than fit");
    }

    @Test
    void deeplyNestedArraysAreRefusedInsteadOfOverflowingTheStack() throws IOException {
        int depth = 200_000;
        ByteBuffer b = ByteBuffer.allocate(64 + 12 * depth).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(GgufFile.MAGIC).putInt(3).putLong(0).putLong(1);
        b.putLong(1).put((byte) 'k').putInt(GgufValueType.ARRAY.ordinal());
        for (int i = 0; i < depth; i++) {
            b.putInt(GgufValueType.ARRAY.ordinal()).putLong(1);
        }
        b.putInt(GgufValueType.UINT8.ordinal()).putLong(0);
        Path file = dir.resolve("nested.gguf");
        Files.write(file, b.array());
        assertThatThrownBy(() -> GgufFile.open(file))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("metadata 'k' nests arrays more than 8 deep");
    }

    @Test
    void stringArrayCountBeyondTheRemainingBytesIsRefusedBeforeAllocating() throws IOException {
        Path file = dir.resolve("count.gguf");
        new GgufWriter().putStrings("k", new String[] {"a"}).write(file);
        // key length, key, value type, element type: then the element count
        int countAt = FIRST_KEY_LENGTH_AT + 8 + 1 + 4 + 4;
        long remaining = Files.size(file) - countAt - 8; // one byte per element would fit, a string needs eight
        patchLong(file, countAt, remaining);
        assertThatThrownBy(() -> GgufFile.open(file))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("array 'k' of " + remaining + " STRING elements runs past the end");
    }

    @Test
    void integerArrayValueOutOfIntRangeIsNamed() {
        Path file = dir.resolve("ints.gguf");
        new GgufWriter().putArray("k", new GgufArray(GgufValueType.UINT64, new long[] {1, 1L << 40})).write(file);
        try (GgufFile gguf = GgufFile.open(file)) {
            assertThatThrownBy(() -> gguf.metadata().getIntArray("k"))
                    .isInstanceOf(ModelFormatException.class)
                    .hasMessageContaining("metadata 'k'[1] = 1099511627776 is out of range");
        }
    }

    private static final int SHAPE_FIELD = 0;
    private static final int OFFSET_FIELD = 1;

    /** Where the shape (or the data offset) of tensor {@code name}'s info starts. */
    private static int tensorInfoField(Path file, String name, int dims, int field) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        // The tensor infos follow the metadata; the name is preceded by its u64 length.
        byte[] lengthAndName = ByteBuffer.allocate(8 + nameBytes.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(nameBytes.length).put(nameBytes).array();
        int shapeAt = lastIndexOf(bytes, lengthAndName) + lengthAndName.length + 4;
        assertThat(shapeAt).isGreaterThan(lengthAndName.length);
        return field == SHAPE_FIELD ? shapeAt : shapeAt + 8 * dims + 4;
    }

    private static void patchLong(Path file, int at, long value) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(at, value);
        Files.write(file, bytes);
    }

    private static int lastIndexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = haystack.length - needle.length; i >= 0; i--) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}

package io.streamllm.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds a field in a model file's bytes, for tests that corrupt one value of a real file. */
public final class ByteSearch {
    private ByteSearch() {
    }

    /** The first index of {@code needle} in {@code haystack}; fails the test when it is not there. */
    public static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found in the file's bytes");
    }

    /** Overwrites the type id in the GGUF info of tensor {@code name} ({@code dims} dimensions). */
    public static void patchTensorType(Path file, String name, int dims, int typeId) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        int typeAt = indexOf(bytes, nameBytes) + nameBytes.length + 4 + 8 * dims;
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(typeAt, typeId);
        Files.write(file, bytes);
    }
}

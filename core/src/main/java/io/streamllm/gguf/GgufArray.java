package io.streamllm.gguf;

import java.lang.reflect.Array;

/**
 * A metadata array with its element type. {@code values} is a Java array: {@code int[]} for the
 * integer types up to 32 bits except UINT32, {@code long[]} for UINT32/UINT64/INT64,
 * {@code float[]}, {@code double[]}, {@code boolean[]}, {@code String[]}, or {@code GgufArray[]}
 * for nested arrays.
 */
public record GgufArray(GgufValueType elementType, Object values) {

    public int length() {
        return Array.getLength(values);
    }
}

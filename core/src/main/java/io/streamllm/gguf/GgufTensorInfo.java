package io.streamllm.gguf;

import io.streamllm.tensor.GgmlType;

import java.util.Arrays;

/**
 * One tensor of a GGUF file. {@code shape} is in ggml order: {@code shape[0]} is the contiguous
 * dimension (the input features of a weight matrix), {@code shape[1]} the rows.
 *
 * @param offset byte offset of the data, relative to the start of the file's tensor data section
 */
public record GgufTensorInfo(String name, long[] shape, GgmlType type, long offset) {

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public long byteSize() {
        return type.bytesFor(elementCount());
    }

    /** The contiguous dimension (columns of a matrix, length of a vector). */
    public int columns() {
        return Math.toIntExact(shape[0]);
    }

    /** The number of rows when the tensor is seen as a matrix: all dimensions but the first. */
    public int rows() {
        return Math.toIntExact(elementCount() / shape[0]);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t && name.equals(t.name) && Arrays.equals(shape, t.shape)
                && type == t.type && offset == t.offset;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }
}

package io.streamllm.format;

import io.streamllm.api.ModelFormatException;
import io.streamllm.api.UnsupportedTensorTypeException;
import io.streamllm.tensor.GgmlType;
import io.streamllm.tensor.WeightMatrix;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A named tensor of a model file: its type, its shape in ggml order (contiguous dimension first)
 * and its bytes (a slice of the memory-mapped file).
 */
public record TensorView(String name, GgmlType type, long[] shape, MemorySegment data) {

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** This tensor as a weight matrix: rows = all dimensions but the first. */
    public WeightMatrix matrix() {
        if (!type.supported()) {
            throw new UnsupportedTensorTypeException("tensor '" + name + "' has type " + type
                    + ", which streamllm cannot compute with yet (supported: " + GgmlType.supportedNames() + ")");
        }
        long elements = elementCount();
        if (elements == 0 || shape[0] > Integer.MAX_VALUE || elements / shape[0] > Integer.MAX_VALUE) {
            throw new ModelFormatException("tensor '" + name + "' has shape " + Arrays.toString(shape)
                    + ", which is not a matrix of 1 to " + Integer.MAX_VALUE + " rows and columns");
        }
        int cols = (int) shape[0];
        int rows = (int) (elements / cols);
        return WeightMatrix.of(type, data, rows, cols);
    }

    /** This tensor, dequantized into a float array (for the small 1-D tensors: norms, biases). */
    public float[] floats() {
        WeightMatrix m = matrix();
        float[] out = new float[Math.toIntExact(elementCount())];
        for (int r = 0; r < m.rows(); r++) {
            m.dequantizeRow(r, out, r * m.cols());
        }
        return out;
    }

    /** Checks the shape (ggml order) and names the tensor in the error. */
    public TensorView expectShape(long... expected) {
        if (!Arrays.equals(shape, expected)) {
            throw new ModelFormatException("tensor '" + name + "' has shape " + Arrays.toString(shape)
                    + " but the model configuration implies " + Arrays.toString(expected));
        }
        return this;
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape);
    }
}

package io.streamllm.tensor;

import java.lang.foreign.MemorySegment;

/** bfloat16 weights: the top 16 bits of a float32. */
final class BF16Matrix extends WeightMatrix {
    BF16Matrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols);
    }

    @Override
    public GgmlType type() {
        return GgmlType.BF16;
    }

    static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    @Override
    public void dequantizeRow(int row, float[] out, int offset) {
        long base = (long) row * cols * 2;
        for (int i = 0; i < cols; i++) {
            out[offset + i] = bf16ToFloat(data.get(I16_LE, base + 2L * i));
        }
    }

    @Override
    public float dot(int row, float[] x, int xOffset) {
        long base = (long) row * cols * 2;
        float sum = 0;
        for (int i = 0; i < cols; i++) {
            sum += bf16ToFloat(data.get(I16_LE, base + 2L * i)) * x[xOffset + i];
        }
        return sum;
    }
}

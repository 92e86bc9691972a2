package io.streamllm.tensor;

import java.lang.foreign.MemorySegment;

/** IEEE half-precision weights. */
final class F16Matrix extends WeightMatrix {
    F16Matrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols);
    }

    @Override
    public GgmlType type() {
        return GgmlType.F16;
    }

    @Override
    public void dequantizeRow(int row, float[] out, int offset) {
        long base = (long) row * cols * 2;
        for (int i = 0; i < cols; i++) {
            out[offset + i] = Float.float16ToFloat(data.get(I16_LE, base + 2L * i));
        }
    }

    @Override
    public float dot(int row, float[] x, int xOffset) {
        long base = (long) row * cols * 2;
        float sum = 0;
        for (int i = 0; i < cols; i++) {
            sum += Float.float16ToFloat(data.get(I16_LE, base + 2L * i)) * x[xOffset + i];
        }
        return sum;
    }
}

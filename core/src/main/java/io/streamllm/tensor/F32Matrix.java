package io.streamllm.tensor;

import java.lang.foreign.MemorySegment;

/** Plain float32 weights. */
final class F32Matrix extends WeightMatrix {
    F32Matrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols);
    }

    @Override
    public GgmlType type() {
        return GgmlType.F32;
    }

    @Override
    public void dequantizeRow(int row, float[] out, int offset) {
        long base = (long) row * cols * 4;
        for (int i = 0; i < cols; i++) {
            out[offset + i] = data.get(F32_LE, base + 4L * i);
        }
    }

    @Override
    public float dot(int row, float[] x, int xOffset) {
        long base = (long) row * cols * 4;
        float sum = 0;
        for (int i = 0; i < cols; i++) {
            sum += data.get(F32_LE, base + 4L * i) * x[xOffset + i];
        }
        return sum;
    }
}

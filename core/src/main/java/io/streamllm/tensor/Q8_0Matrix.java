package io.streamllm.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Q8_0: blocks of 32 weights, each block an f16 scale d and 32 signed bytes q; w = d * q. */
final class Q8_0Matrix extends WeightMatrix {
    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 34;

    Q8_0Matrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    public void dequantizeRow(int row, float[] out, int offset) {
        long base = (long) row * (cols / BLOCK) * BLOCK_BYTES;
        for (int b = 0; b < cols / BLOCK; b++) {
            long block = base + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(I16_LE, block));
            for (int i = 0; i < BLOCK; i++) {
                out[offset + b * BLOCK + i] = d * data.get(ValueLayout.JAVA_BYTE, block + 2 + i);
            }
        }
    }

    @Override
    public float dot(int row, float[] x, int xOffset) {
        long base = (long) row * (cols / BLOCK) * BLOCK_BYTES;
        float sum = 0;
        for (int b = 0; b < cols / BLOCK; b++) {
            long block = base + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(I16_LE, block));
            float blockSum = 0;
            for (int i = 0; i < BLOCK; i++) {
                blockSum += data.get(ValueLayout.JAVA_BYTE, block + 2 + i) * x[xOffset + b * BLOCK + i];
            }
            sum += d * blockSum;
        }
        return sum;
    }
}

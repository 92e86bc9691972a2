package io.streamllm.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q4_0: blocks of 32 weights, each block an f16 scale d and 16 bytes of 4-bit values.
 * Byte j holds element j in its low nibble and element j+16 in its high nibble; w = d * (nibble - 8).
 */
final class Q4_0Matrix extends WeightMatrix {
    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 18;

    Q4_0Matrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }

    @Override
    public void dequantizeRow(int row, float[] out, int offset) {
        long base = (long) row * (cols / BLOCK) * BLOCK_BYTES;
        for (int b = 0; b < cols / BLOCK; b++) {
            long block = base + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(I16_LE, block));
            for (int j = 0; j < BLOCK / 2; j++) {
                int packed = data.get(ValueLayout.JAVA_BYTE, block + 2 + j) & 0xff;
                out[offset + b * BLOCK + j] = d * ((packed & 0x0f) - 8);
                out[offset + b * BLOCK + j + 16] = d * ((packed >>> 4) - 8);
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
            for (int j = 0; j < BLOCK / 2; j++) {
                int packed = data.get(ValueLayout.JAVA_BYTE, block + 2 + j) & 0xff;
                blockSum += ((packed & 0x0f) - 8) * x[xOffset + b * BLOCK + j]
                        + ((packed >>> 4) - 8) * x[xOffset + b * BLOCK + j + 16];
            }
            sum += d * blockSum;
        }
        return sum;
    }
}

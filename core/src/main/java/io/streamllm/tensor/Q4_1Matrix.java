package io.streamllm.tensor;

import static io.streamllm.tensor.Vectors.markFaultSafe;
import static io.streamllm.tensor.Vectors.sum;
import static io.streamllm.tensor.Vectors.zero;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

/**
 * Q4_1 (ggml's {@code block_q4_1}): blocks of 32 weights in 20 bytes: f16 d, f16 m, then 16 bytes of
 * 4-bit quants. Byte j holds weight j in its low nibble and weight j+16 in its high nibble;
 * w = d * q + m. Each half of a block is one group of 16 ({@link Group16}).
 */
final class Q4_1Matrix extends WeightMatrix {
    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 20;
    private static final int MIN = 2;
    private static final int QUANTS = 4;

    Q4_1Matrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_1;
    }

    @Override
    public void dequantizeRow(int row, float[] out, int offset) {
        for (int b = 0; b < cols / BLOCK; b++) {
            long block = row * rowBytes + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(I16_LE, block));
            float m = Float.float16ToFloat(data.get(I16_LE, block + MIN));
            for (int j = 0; j < 16; j++) {
                int packed = data.get(ValueLayout.JAVA_BYTE, block + QUANTS + j) & 0xff;
                out[offset + b * BLOCK + j] = (packed & 15) * d + m;
                out[offset + b * BLOCK + j + 16] = (packed >>> 4) * d + m;
            }
        }
    }

    /** The quants 0..15 of group k (weights 16k ..) of the row starting at byte {@code start}. */
    private ByteVector quants(long start, int k) {
        ByteVector packed = Group16.load16(data, start + (long) (k / 2) * BLOCK_BYTES + QUANTS);
        return k % 2 == 0 ? Group16.lowNibbles(packed) : Group16.highNibbles(packed);
    }

    private float scale(long start, int k) {
        return Float.float16ToFloat(data.get(I16_LE, start + (long) (k / 2) * BLOCK_BYTES));
    }

    private float offset(long start, int k) {
        return Float.float16ToFloat(data.get(I16_LE, start + (long) (k / 2) * BLOCK_BYTES + MIN));
    }

    @Override
    public float dot(int row, float[] x, int xOffset) {
        markFaultSafe(data);
        long start = row * rowBytes;
        // Each group's sum goes into the accumulator of two groups back (acc1, then the two swap), so
        // that consecutive groups' FMAs overlap. One call site for the group: with two, C2 reached its
        // node-count inlining cutoff, left one uninlined and boxed its vectors (Q3_K 3x slower).
        FloatVector acc0 = zero(), acc1 = zero();
        for (int k = 0, xi = xOffset; k < cols / Group16.SIZE; k++, xi += Group16.SIZE) {
            FloatVector next = Group16.dot(quants(start, k), scale(start, k), offset(start, k), x, xi, acc1);
            acc1 = acc0;
            acc0 = next;
        }
        return sum(acc0.add(acc1));
    }

    @Override
    public void dequantizeRows(int rowStart, int count, float[] out, int offset) {
        markFaultSafe(data);
        for (int r = 0; r < count; r++) {
            long start = (rowStart + r) * rowBytes;
            for (int k = 0; k < cols / Group16.SIZE; k++) {
                Group16.store(quants(start, k), scale(start, k), offset(start, k), out, offset + r * cols + k * Group16.SIZE);
            }
        }
    }

    @Override
    protected int tile(int row, float[] x, int token, float[] sums) {
        return PanelTile.tile(this, row, x, token, sums);
    }

    /**
     * Writes 32 values as one block, as llama.cpp's reference quantizer chooses d and m (m = the
     * smallest value, d = range / 15), except that the quants are rounded against d and m as stored
     * in f16, so that each weight reads back as the nearest of the 16 stored levels.
     */
    static void quantizeBlock(float[] src, int srcOffset, MemorySegment dst, long dstOffset) {
        float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < BLOCK; i++) {
            min = Math.min(min, src[srcOffset + i]);
            max = Math.max(max, src[srcOffset + i]);
        }
        short dBits = Float.floatToFloat16((max - min) / 15), mBits = Float.floatToFloat16(min);
        float d = Float.float16ToFloat(dBits), m = Float.float16ToFloat(mBits);
        dst.set(I16_LE, dstOffset, dBits);
        dst.set(I16_LE, dstOffset + MIN, mBits);
        for (int j = 0; j < 16; j++) {
            int lo = d > 0 ? Math.clamp(Math.round((src[srcOffset + j] - m) / d), 0, 15) : 0;
            int hi = d > 0 ? Math.clamp(Math.round((src[srcOffset + j + 16] - m) / d), 0, 15) : 0;
            dst.set(ValueLayout.JAVA_BYTE, dstOffset + QUANTS + j, (byte) (lo | hi << 4));
        }
    }
}

package io.streamllm.tensor;

import static io.streamllm.tensor.Vectors.markFaultSafe;
import static io.streamllm.tensor.Vectors.sum;
import static io.streamllm.tensor.Vectors.zero;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

/**
 * Q2_K (ggml's {@code block_q2_K}): super-blocks of 256 weights in 84 bytes: 16 scale bytes, 64 bytes
 * of 2-bit quants, then f16 d and f16 dmin. Scale byte i covers weights 16i..16i+15: its low nibble
 * times d is their scale, its high nibble times dmin their min; w = d*(sc & 15) * q - dmin*(sc >> 4).
 * Weight e's quant is bits 2*((e/32) % 4) of quant byte 32*(e/128) + e%32.
 */
final class Q2_KMatrix extends WeightMatrix {
    static final int BLOCK = 256;
    static final int BLOCK_BYTES = 84;
    private static final int QUANTS = 16;
    private static final int D = 80;
    private static final int DMIN = 82;
    private static final int GROUPS = BLOCK / Group16.SIZE;

    Q2_KMatrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q2_K;
    }

    @Override
    public void dequantizeRow(int row, float[] out, int offset) {
        for (int b = 0; b < cols / BLOCK; b++) {
            long block = row * rowBytes + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(I16_LE, block + D));
            float dmin = Float.float16ToFloat(data.get(I16_LE, block + DMIN));
            for (int e = 0; e < BLOCK; e++) {
                int sc = data.get(ValueLayout.JAVA_BYTE, block + e / 16) & 0xff;
                int packed = data.get(ValueLayout.JAVA_BYTE, block + QUANTS + 32 * (e / 128) + e % 32) & 0xff;
                int q = (packed >>> (2 * (e / 32 % 4))) & 3;
                out[offset + b * BLOCK + e] = d * (sc & 15) * q - dmin * (sc >>> 4);
            }
        }
    }

    /** The quants 0..3 of group k (weights 16k ..) of the row starting at byte {@code start}. */
    private ByteVector quants(long start, int k) {
        long block = start + (long) (k / GROUPS) * BLOCK_BYTES;
        int g = k % GROUPS;
        ByteVector packed = Group16.load16(data, block + QUANTS + 32 * (g / 8) + 16 * (g % 2));
        return Group16.shiftRight(packed, 2 * (g / 2 % 4)).and((byte) 3);
    }

    private int scaleByte(long start, int k) {
        return data.get(ValueLayout.JAVA_BYTE, start + (long) (k / GROUPS) * BLOCK_BYTES + k % GROUPS) & 0xff;
    }

    private float scale(long start, int k) {
        long block = start + (long) (k / GROUPS) * BLOCK_BYTES;
        return Float.float16ToFloat(data.get(I16_LE, block + D)) * (scaleByte(start, k) & 15);
    }

    private float offset(long start, int k) {
        long block = start + (long) (k / GROUPS) * BLOCK_BYTES;
        return -Float.float16ToFloat(data.get(I16_LE, block + DMIN)) * (scaleByte(start, k) >>> 4);
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
     * Writes 256 values as one block. Not llama.cpp's search for the best scales: each group of 16
     * gets min = min(0, smallest) and scale = (largest - min) / 3, both then quantized to 4 bits
     * against d = largest scale / 15 and dmin = largest min / 15 (f16, as stored); the quants are
     * rounded against those stored values, so what reads back is the nearest of the 4 levels.
     */
    static void quantizeBlock(float[] src, int srcOffset, MemorySegment dst, long dstOffset) {
        float[] scales = new float[GROUPS];
        float[] mins = new float[GROUPS];
        float maxScale = 0, maxMin = 0;
        for (int g = 0; g < GROUPS; g++) {
            float lo = 0, hi = 0;
            for (int i = 0; i < Group16.SIZE; i++) {
                float v = src[srcOffset + 16 * g + i];
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            scales[g] = (hi - lo) / 3;
            mins[g] = -lo;
            maxScale = Math.max(maxScale, scales[g]);
            maxMin = Math.max(maxMin, mins[g]);
        }
        short dBits = Float.floatToFloat16(maxScale / 15), dminBits = Float.floatToFloat16(maxMin / 15);
        float d = Float.float16ToFloat(dBits), dmin = Float.float16ToFloat(dminBits);
        dst.set(I16_LE, dstOffset + D, dBits);
        dst.set(I16_LE, dstOffset + DMIN, dminBits);
        for (int g = 0; g < GROUPS; g++) {
            // The scale rounds up so that the top level still reaches the largest value.
            int sc = d > 0 ? Math.min(15, (int) Math.ceil(scales[g] / d)) : 0;
            int m = dmin > 0 ? Math.min(15, Math.round(mins[g] / dmin)) : 0;
            dst.set(ValueLayout.JAVA_BYTE, dstOffset + g, (byte) (sc | m << 4));
            float step = d * sc, min = dmin * m;
            for (int i = 0; i < Group16.SIZE; i++) {
                int e = 16 * g + i;
                int q = step > 0 ? Math.clamp(Math.round((src[srcOffset + e] + min) / step), 0, 3) : 0;
                long at = dstOffset + QUANTS + 32 * (e / 128) + e % 32;
                int shift = 2 * (e / 32 % 4);
                byte old = shift == 0 ? 0 : dst.get(ValueLayout.JAVA_BYTE, at);
                dst.set(ValueLayout.JAVA_BYTE, at, (byte) (old | q << shift));
            }
        }
    }
}

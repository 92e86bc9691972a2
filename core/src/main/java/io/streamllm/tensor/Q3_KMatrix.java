package io.streamllm.tensor;

import static io.streamllm.tensor.Vectors.markFaultSafe;
import static io.streamllm.tensor.Vectors.sum;
import static io.streamllm.tensor.Vectors.zero;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

/**
 * Q3_K (ggml's {@code block_q3_K}): super-blocks of 256 weights in 110 bytes: 32 bytes of high bits
 * (hmask), 64 bytes of low 2-bit quants, 12 bytes of 6-bit scales, then f16 d. Weight e has the quant
 * q = low + 4*high - 4 (-4..3), its low bits at bits 2*((e/32) % 4) of quant byte 32*(e/128) + e%32 and
 * its high bit at bit e/32 of hmask byte e%32; w = d * (scale[e/16] - 32) * q. Scale i (0..15) has its
 * low 4 bits in byte i (low nibble, i < 8) or byte i-8 (high nibble), and its high 2 bits at bits
 * 2*(i/4) of byte 8 + i%4.
 */
final class Q3_KMatrix extends WeightMatrix {
    static final int BLOCK = 256;
    static final int BLOCK_BYTES = 110;
    private static final int QUANTS = 32;
    private static final int SCALES = 96;
    private static final int D = 108;
    private static final int GROUPS = BLOCK / Group16.SIZE;

    Q3_KMatrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q3_K;
    }

    @Override
    public void dequantizeRow(int row, float[] out, int offset) {
        for (int b = 0; b < cols / BLOCK; b++) {
            long block = row * rowBytes + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(I16_LE, block + D));
            for (int e = 0; e < BLOCK; e++) {
                int packed = data.get(ValueLayout.JAVA_BYTE, block + QUANTS + 32 * (e / 128) + e % 32) & 0xff;
                int high = (data.get(ValueLayout.JAVA_BYTE, block + e % 32) >>> (e / 32)) & 1;
                int q = ((packed >>> (2 * (e / 32 % 4))) & 3) - (high == 0 ? 4 : 0);
                out[offset + b * BLOCK + e] = d * (scale6(block, e / 16) - 32) * q;
            }
        }
    }

    /** The 6-bit scale {@code i} (0..15) of the block at byte {@code block}. */
    private int scale6(long block, int i) {
        int low = data.get(ValueLayout.JAVA_BYTE, block + SCALES + i % 8) >>> (4 * (i / 8)) & 15;
        int high = data.get(ValueLayout.JAVA_BYTE, block + SCALES + 8 + i % 4) >>> (2 * (i / 4)) & 3;
        return low | high << 4;
    }

    /** The quants -4..3 of group k (weights 16k ..) of the row starting at byte {@code start}. */
    private ByteVector quants(long start, int k) {
        long block = start + (long) (k / GROUPS) * BLOCK_BYTES;
        int g = k % GROUPS;
        int half = 16 * (g % 2);
        ByteVector low = Group16.shiftRight(Group16.load16(data, block + QUANTS + 32 * (g / 8) + half), 2 * (g / 2 % 4)).and((byte) 3);
        ByteVector high = Group16.shiftRight(Group16.load16(data, block + half), g / 2).and((byte) 1);
        return low.or(Group16.shiftLeft(high, 2)).sub((byte) 4);
    }

    private float scale(long start, int k) {
        long block = start + (long) (k / GROUPS) * BLOCK_BYTES;
        return Float.float16ToFloat(data.get(I16_LE, block + D)) * (scale6(block, k % GROUPS) - 32);
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
            FloatVector next = Group16.dot(quants(start, k), scale(start, k), 0f, x, xi, acc1);
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
                Group16.store(quants(start, k), scale(start, k), 0f, out, offset + r * cols + k * Group16.SIZE);
            }
        }
    }

    @Override
    protected int tile(int row, float[] x, int token, float[] sums) {
        return PanelTile.tile(this, row, x, token, sums);
    }

    /**
     * Writes 256 values as one block. Not llama.cpp's weighted search: each group of 16 gets the scale
     * that maps its value of largest magnitude to -4 (the one level without a positive twin), the 16
     * scales are quantized to 6 bits against d = (the largest of them, sign kept) / -32 as stored in
     * f16, and each weight is rounded to the nearest of -4..3 times its stored scale.
     */
    static void quantizeBlock(float[] src, int srcOffset, MemorySegment dst, long dstOffset) {
        float[] scales = new float[GROUPS];
        float maxScale = 0;
        for (int g = 0; g < GROUPS; g++) {
            scales[g] = signedMax(src, srcOffset + 16 * g, Group16.SIZE) / -4;
            if (Math.abs(scales[g]) > Math.abs(maxScale)) {
                maxScale = scales[g];
            }
        }
        short dBits = Float.floatToFloat16(maxScale / -32);
        float d = Float.float16ToFloat(dBits);
        dst.asSlice(dstOffset, BLOCK_BYTES).fill((byte) 0);
        dst.set(I16_LE, dstOffset + D, dBits);
        for (int g = 0; g < GROUPS; g++) {
            int sc = d != 0 ? Math.clamp(Math.round(scales[g] / d), -32, 31) : 0;
            long low = dstOffset + SCALES + g % 8, high = dstOffset + SCALES + 8 + g % 4;
            dst.set(ValueLayout.JAVA_BYTE, low, (byte) (dst.get(ValueLayout.JAVA_BYTE, low) | ((sc + 32) & 15) << (4 * (g / 8))));
            dst.set(ValueLayout.JAVA_BYTE, high, (byte) (dst.get(ValueLayout.JAVA_BYTE, high) | ((sc + 32) >>> 4) << (2 * (g / 4))));
            float step = d * sc;
            for (int i = 0; i < Group16.SIZE; i++) {
                int e = 16 * g + i;
                int q = step != 0 ? Math.clamp(Math.round(src[srcOffset + e] / step), -4, 3) + 4 : 4;
                long at = dstOffset + QUANTS + 32 * (e / 128) + e % 32;
                dst.set(ValueLayout.JAVA_BYTE, at, (byte) (dst.get(ValueLayout.JAVA_BYTE, at) | (q & 3) << (2 * (e / 32 % 4))));
                long mask = dstOffset + e % 32;
                dst.set(ValueLayout.JAVA_BYTE, mask, (byte) (dst.get(ValueLayout.JAVA_BYTE, mask) | (q >>> 2) << (e / 32)));
            }
        }
    }

    /** The value of largest magnitude among {@code count} values from {@code offset}, sign kept. */
    static float signedMax(float[] values, int offset, int count) {
        float max = 0;
        for (int i = offset; i < offset + count; i++) {
            if (Math.abs(values[i]) > Math.abs(max)) {
                max = values[i];
            }
        }
        return max;
    }
}

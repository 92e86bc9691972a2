package io.streamllm.tensor;

import static io.streamllm.tensor.Vectors.markFaultSafe;
import static io.streamllm.tensor.Vectors.sum;
import static io.streamllm.tensor.Vectors.zero;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

/**
 * IQ4_XS (ggml's {@code block_iq4_xs}): super-blocks of 256 weights in 136 bytes: f16 d, a 16-bit word
 * of scale high bits, 4 bytes of scale low bits, then 128 bytes of 4-bit indexes. The indexes select
 * from the fixed non-uniform levels {@link #LEVELS} (ggml's {@code kvalues_iq4nl}). Sub-block ib (0..7)
 * holds weights 32ib..32ib+31: byte j of its 16 has weight j in its low nibble and weight j+16 in its
 * high nibble; its 6-bit scale ls is nibble ib%2 of low byte ib/2 with bits 2ib, 2ib+1 of the word
 * above; w = d * (ls - 32) * LEVELS[index]. A group of 16 weights decodes with one byte shuffle.
 */
final class IQ4_XSMatrix extends WeightMatrix {
    static final int BLOCK = 256;
    static final int BLOCK_BYTES = 136;
    private static final int SCALES_HIGH = 2;
    private static final int SCALES_LOW = 4;
    private static final int QUANTS = 8;
    private static final int GROUPS = BLOCK / Group16.SIZE;

    /** The 16 levels an index selects, as ggml's {@code kvalues_iq4nl}. */
    static final byte[] LEVELS = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
    private static final ByteVector LEVEL_TABLE = ByteVector.fromArray(Group16.BYTES, LEVELS, 0);

    IQ4_XSMatrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols);
    }

    @Override
    public GgmlType type() {
        return GgmlType.IQ4_XS;
    }

    @Override
    public void dequantizeRow(int row, float[] out, int offset) {
        for (int b = 0; b < cols / BLOCK; b++) {
            long block = row * rowBytes + (long) b * BLOCK_BYTES;
            for (int ib = 0; ib < BLOCK / 32; ib++) {
                float dl = subBlockScale(block, ib);
                for (int j = 0; j < 16; j++) {
                    int packed = data.get(ValueLayout.JAVA_BYTE, block + QUANTS + 16 * ib + j) & 0xff;
                    out[offset + b * BLOCK + 32 * ib + j] = dl * LEVELS[packed & 15];
                    out[offset + b * BLOCK + 32 * ib + j + 16] = dl * LEVELS[packed >>> 4];
                }
            }
        }
    }

    /** d * (ls - 32) of sub-block {@code ib} (0..7) of the block at byte {@code block}. */
    private float subBlockScale(long block, int ib) {
        int low = data.get(ValueLayout.JAVA_BYTE, block + SCALES_LOW + ib / 2) >>> (4 * (ib % 2)) & 15;
        int high = data.get(I16_LE, block + SCALES_HIGH) >>> (2 * ib) & 3;
        return Float.float16ToFloat(data.get(I16_LE, block)) * ((low | high << 4) - 32);
    }

    /** The levels of group k (weights 16k ..) of the row starting at byte {@code start}. */
    private ByteVector quants(long start, int k) {
        long block = start + (long) (k / GROUPS) * BLOCK_BYTES;
        int g = k % GROUPS;
        ByteVector packed = Group16.load16(data, block + QUANTS + 16 * (g / 2));
        return (g % 2 == 0 ? Group16.lowNibbles(packed) : Group16.highNibbles(packed)).selectFrom(LEVEL_TABLE);
    }

    private float scale(long start, int k) {
        return subBlockScale(start + (long) (k / GROUPS) * BLOCK_BYTES, k % GROUPS / 2);
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
     * Writes 256 values as one block. Not llama.cpp's search over scales: each sub-block of 32 gets the
     * scale that maps its value of largest magnitude to the level -127, the 8 scales are quantized to
     * 6 bits against d = (the largest of them, sign kept) / -32 as stored in f16, and each weight takes
     * the index of the level nearest to it under its stored scale.
     */
    static void quantizeBlock(float[] src, int srcOffset, MemorySegment dst, long dstOffset) {
        float[] scales = new float[BLOCK / 32];
        float maxScale = 0;
        for (int ib = 0; ib < scales.length; ib++) {
            scales[ib] = Q3_KMatrix.signedMax(src, srcOffset + 32 * ib, 32) / LEVELS[0];
            if (Math.abs(scales[ib]) > Math.abs(maxScale)) {
                maxScale = scales[ib];
            }
        }
        short dBits = Float.floatToFloat16(maxScale / -32);
        float d = Float.float16ToFloat(dBits);
        dst.asSlice(dstOffset, BLOCK_BYTES).fill((byte) 0);
        dst.set(I16_LE, dstOffset, dBits);
        int scalesHigh = 0;
        for (int ib = 0; ib < scales.length; ib++) {
            int ls = (d != 0 ? Math.clamp(Math.round(scales[ib] / d), -32, 31) : 0) + 32;
            scalesHigh |= (ls >>> 4) << (2 * ib);
            long low = dstOffset + SCALES_LOW + ib / 2;
            dst.set(ValueLayout.JAVA_BYTE, low, (byte) (dst.get(ValueLayout.JAVA_BYTE, low) | (ls & 15) << (4 * (ib % 2))));
            float dl = d * (ls - 32);
            for (int j = 0; j < 16; j++) {
                int lo = nearestLevel(src[srcOffset + 32 * ib + j], dl);
                int hi = nearestLevel(src[srcOffset + 32 * ib + j + 16], dl);
                dst.set(ValueLayout.JAVA_BYTE, dstOffset + QUANTS + 16 * ib + j, (byte) (lo | hi << 4));
            }
        }
        dst.set(I16_LE, dstOffset + SCALES_HIGH, (short) scalesHigh);
    }

    /** The index of the level that, times {@code scale}, is nearest to {@code value}. */
    private static int nearestLevel(float value, float scale) {
        int best = 0;
        for (int i = 1; i < LEVELS.length; i++) {
            if (Math.abs(scale * LEVELS[i] - value) < Math.abs(scale * LEVELS[best] - value)) {
                best = i;
            }
        }
        return best;
    }
}

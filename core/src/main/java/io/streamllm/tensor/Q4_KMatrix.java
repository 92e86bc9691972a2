package io.streamllm.tensor;

import static io.streamllm.tensor.KQuants.SUPER;
import static io.streamllm.tensor.KQuants.half;
import static io.streamllm.tensor.KQuants.packedMin;
import static io.streamllm.tensor.KQuants.packedScale;
import static io.streamllm.tensor.Vectors.BYTE_LANES;
import static io.streamllm.tensor.Vectors.broadcast;
import static io.streamllm.tensor.Vectors.BYTE_PARTS;
import static io.streamllm.tensor.Vectors.LANES;
import static io.streamllm.tensor.Vectors.bytesToFloats;
import static io.streamllm.tensor.Vectors.load;
import static io.streamllm.tensor.Vectors.loadBytes;
import static io.streamllm.tensor.Vectors.markFaultSafe;
import static io.streamllm.tensor.Vectors.sum;
import static io.streamllm.tensor.Vectors.zero;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_K (ggml's block_q4_K): super-blocks of 256 weights in 144 bytes: f16 d, f16 dmin, 12 bytes
 * of eight packed 6-bit (scale, min) pairs ({@link KQuants#packedScale}), then 128 bytes of
 * nibbles. The super-block is 4 groups of 64 weights; group g reads bytes 32g..32g+31, weight l of
 * the group's first 32 from the low nibble of byte l (sub-block 2g), weight 32+l from its high
 * nibble (sub-block 2g+1). Weight = d * scale_j * nibble - dmin * min_j.
 *
 * <p>The kernels compute each weight as the scalar code does (multiply, then subtract, in float),
 * so the vector panel equals {@link #dequantizeRow} exactly.
 */
final class Q4_KMatrix extends WeightMatrix {
    static final int BLOCK_BYTES = 144;
    private static final int SCALES = 4;
    private static final int QS = 16;

    private final long rowBytes;

    Q4_KMatrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols);
        this.rowBytes = (long) (cols / SUPER) * BLOCK_BYTES;
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_K;
    }

    @Override
    public void dequantizeRow(int row, float[] out, int offset) {
        long block = row * rowBytes;
        for (int o = offset, end = offset + cols; o < end; o += SUPER, block += BLOCK_BYTES) {
            float d = half(data, block), dmin = half(data, block + 2);
            for (int g = 0; g < 4; g++) {
                float d1 = d * packedScale(data, block + SCALES, 2 * g), m1 = dmin * packedMin(data, block + SCALES, 2 * g);
                float d2 = d * packedScale(data, block + SCALES, 2 * g + 1), m2 = dmin * packedMin(data, block + SCALES, 2 * g + 1);
                for (int l = 0; l < 32; l++) {
                    int q = data.get(ValueLayout.JAVA_BYTE, block + QS + 32 * g + l) & 0xff;
                    out[o + 64 * g + l] = d1 * (q & 0x0f) - m1;
                    out[o + 64 * g + 32 + l] = d2 * (q >>> 4) - m2;
                }
            }
        }
    }

    /** Writes 256 values as one super-block; see {@link KQuants} for the choice of scales. */
    static void quantizeBlock(float[] src, int srcOffset, MemorySegment dst, long dstOffset) {
        int[] q = new int[SUPER];
        KQuants.quantizeAsymmetric(src, srcOffset, 16, q, dst, dstOffset);
        for (int g = 0; g < 4; g++) {
            for (int l = 0; l < 32; l++) {
                int packed = q[64 * g + l] | q[64 * g + 32 + l] << 4;
                dst.set(ValueLayout.JAVA_BYTE, dstOffset + QS + 32 * g + l, (byte) packed);
            }
        }
    }

    /**
     * Nibbles {@code shift = 0} (low) or {@code 4} (high) of {@code packed}. x86 has no byte shift, so
     * the shift is on 16-bit lanes and the mask drops what crossed from the other byte.
     */
    static ByteVector nibbles(ByteVector packed, int shift) {
        return packed.reinterpretAsShorts().lanewise(VectorOperators.LSHR, shift).reinterpretAsBytes().and((byte) 0x0f);
    }

    // The kernels decode one sub-block per pass of the loop over h (low, then high nibbles), so that
    // the decoding appears once in the method: two copies of it, and the method reached C2's
    // node-count inlining cutoff (NodeCountInliningCutoff) and boxed its vectors (64 B per row).

    @Override
    public float dot(int row, float[] x, int xOffset) {
        markFaultSafe(data);
        long block = row * rowBytes;
        // Each product goes into the accumulator of two steps back (acc1, then the two swap), so
        // that consecutive FMAs do not wait for each other.
        FloatVector acc0 = zero(), acc1 = zero();
        for (int xi = xOffset, end = xOffset + cols; xi < end; xi += SUPER, block += BLOCK_BYTES) {
            float d = half(data, block), dmin = half(data, block + 2);
            for (int j = 0; j < 8; j++) {
                // Broadcast once per sub-block: a float operand in the loop made C2 box vectors (8x slower).
                FloatVector scale = broadcast(d * packedScale(data, block + SCALES, j));
                FloatVector min = broadcast(dmin * packedMin(data, block + SCALES, j));
                long q = block + QS + 32 * (j / 2);
                int xj = xi + 32 * j;
                for (int l = 0; l < 32; l += BYTE_LANES) {
                    ByteVector codes = nibbles(loadBytes(data, q + l), 4 * (j % 2));
                    for (int p = 0; p < BYTE_PARTS; p++) {
                        FloatVector next = bytesToFloats(codes, p).mul(scale).sub(min).fma(load(x, xj + l + p * LANES), acc1);
                        acc1 = acc0;
                        acc0 = next;
                    }
                }
            }
        }
        return sum(acc0.add(acc1));
    }

    @Override
    public void dequantizeRows(int rowStart, int count, float[] out, int offset) {
        markFaultSafe(data);
        long block = rowStart * rowBytes;
        for (int o = offset, end = offset + count * cols; o < end; o += SUPER, block += BLOCK_BYTES) {
            float d = half(data, block), dmin = half(data, block + 2);
            for (int j = 0; j < 8; j++) {
                FloatVector scale = broadcast(d * packedScale(data, block + SCALES, j));
                FloatVector min = broadcast(dmin * packedMin(data, block + SCALES, j));
                long q = block + QS + 32 * (j / 2);
                int oj = o + 32 * j;
                for (int l = 0; l < 32; l += BYTE_LANES) {
                    ByteVector codes = nibbles(loadBytes(data, q + l), 4 * (j % 2));
                    for (int p = 0; p < BYTE_PARTS; p++) {
                        bytesToFloats(codes, p).mul(scale).sub(min).intoArray(out, oj + l + p * LANES);
                    }
                }
            }
        }
    }

    @Override
    protected int tile(int row, float[] x, int token, float[] sums) {
        return PanelTile.tile(this, row, x, token, sums);
    }
}

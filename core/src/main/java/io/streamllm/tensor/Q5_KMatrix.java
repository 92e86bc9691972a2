package io.streamllm.tensor;

import static io.streamllm.tensor.KQuants.SUPER;
import static io.streamllm.tensor.KQuants.half;
import static io.streamllm.tensor.KQuants.packedMin;
import static io.streamllm.tensor.KQuants.packedScale;
import static io.streamllm.tensor.Q4_KMatrix.nibbles;
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
 * Q5_K (ggml's block_q5_K): super-blocks of 256 weights in 176 bytes: f16 d, f16 dmin, 12 bytes of
 * packed 6-bit (scale, min) pairs, 32 bytes qh of fifth bits, then 128 bytes of nibbles laid out
 * as in {@link Q4_KMatrix}. Weight l of sub-block j (0..7) takes its fifth bit from bit j of qh[l]:
 * weight = d * scale_j * (nibble + 16 * bit) - dmin * min_j, computed in the same order by every kernel.
 */
final class Q5_KMatrix extends WeightMatrix {
    static final int BLOCK_BYTES = 176;
    private static final int SCALES = 4;
    private static final int QH = 16;
    private static final int QS = 48;

    private final long rowBytes;

    Q5_KMatrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols);
        this.rowBytes = (long) (cols / SUPER) * BLOCK_BYTES;
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q5_K;
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
                    int h = data.get(ValueLayout.JAVA_BYTE, block + QH + l) & 0xff;
                    out[o + 64 * g + l] = d1 * ((q & 0x0f) + ((h >>> 2 * g) & 1) * 16) - m1;
                    out[o + 64 * g + 32 + l] = d2 * ((q >>> 4) + ((h >>> 2 * g + 1) & 1) * 16) - m2;
                }
            }
        }
    }

    /** Writes 256 values as one super-block; see {@link KQuants} for the choice of scales. */
    static void quantizeBlock(float[] src, int srcOffset, MemorySegment dst, long dstOffset) {
        int[] q = new int[SUPER];
        KQuants.quantizeAsymmetric(src, srcOffset, 32, q, dst, dstOffset);
        for (int l = 0; l < 32; l++) {
            int h = 0;
            for (int j = 0; j < 8; j++) {
                h |= (q[32 * j + l] >>> 4) << j;
            }
            dst.set(ValueLayout.JAVA_BYTE, dstOffset + QH + l, (byte) h);
        }
        for (int g = 0; g < 4; g++) {
            for (int l = 0; l < 32; l++) {
                int packed = (q[64 * g + l] & 0x0f) | (q[64 * g + 32 + l] & 0x0f) << 4;
                dst.set(ValueLayout.JAVA_BYTE, dstOffset + QS + 32 * g + l, (byte) packed);
            }
        }
    }

    /**
     * 16 where bit {@code bit} of a byte of {@code qh} is set, else 0: {@code ((qh >>> bit) << 4) & 0x10},
     * shifted as 16-bit lanes (x86 has no byte shift). Bits from a lane's other byte never land on bit 4.
     * Both shifts always run: choosing a direction by {@code bit} merged two vectors, and C2 boxed them.
     */
    private static ByteVector fifthBit(ByteVector qh, int bit) {
        return qh.reinterpretAsShorts().lanewise(VectorOperators.LSHR, bit).lanewise(VectorOperators.LSHL, 4)
                .reinterpretAsBytes().and((byte) 0x10);
    }

    // One sub-block per pass of the loop over j, as in Q4_KMatrix: a single copy of the decoding keeps
    // the method under C2's node-count inlining cutoff, past which its vectors were boxed.

    @Override
    public float dot(int row, float[] x, int xOffset) {
        markFaultSafe(data);
        long block = row * rowBytes;
        FloatVector acc0 = zero(), acc1 = zero();
        for (int xi = xOffset, end = xOffset + cols; xi < end; xi += SUPER, block += BLOCK_BYTES) {
            float d = half(data, block), dmin = half(data, block + 2);
            for (int j = 0; j < 8; j++) {
                FloatVector scale = broadcast(d * packedScale(data, block + SCALES, j));
                FloatVector min = broadcast(dmin * packedMin(data, block + SCALES, j));
                long q = block + QS + 32 * (j / 2);
                int xj = xi + 32 * j;
                for (int l = 0; l < 32; l += BYTE_LANES) {
                    ByteVector codes = nibbles(loadBytes(data, q + l), 4 * (j % 2)).or(fifthBit(loadBytes(data, block + QH + l), j));
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
                    ByteVector codes = nibbles(loadBytes(data, q + l), 4 * (j % 2)).or(fifthBit(loadBytes(data, block + QH + l), j));
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

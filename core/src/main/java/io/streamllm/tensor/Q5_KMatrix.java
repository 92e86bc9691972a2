package io.streamllm.tensor;

import static io.streamllm.tensor.KQuants.SUPER;
import static io.streamllm.tensor.KQuants.half;
import static io.streamllm.tensor.KQuants.packedMin;
import static io.streamllm.tensor.KQuants.packedScale;
import static io.streamllm.tensor.KQuants.highBits;
import static io.streamllm.tensor.KQuants.nibbles;
import static io.streamllm.tensor.Vectors.BYTE_LANES;
import static io.streamllm.tensor.Vectors.broadcast;
import static io.streamllm.tensor.Vectors.BYTE_PARTS;
import static io.streamllm.tensor.Vectors.LANES;
import static io.streamllm.tensor.Vectors.LE;
import static io.streamllm.tensor.Vectors.bytesToFloats;
import static io.streamllm.tensor.Vectors.load;
import static io.streamllm.tensor.Vectors.B;
import static io.streamllm.tensor.Vectors.markFaultSafe;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

/**
 * Q5_K (ggml's block_q5_K): super-blocks of 256 weights in 176 bytes: f16 d, f16 dmin, 12 bytes of
 * packed 6-bit (scale, min) pairs, 32 bytes qh of fifth bits, then 128 bytes of nibbles laid out
 * as in {@link Q4_KMatrix}. Weight l of sub-block j (0..7) takes its fifth bit from bit j of qh[l]:
 * weight = d * scale_j * (nibble + 16 * bit) - dmin * min_j, computed in the same order by every kernel.
 * The scalar twin is {@link KQuants}', shared with Q4_K.
 */
final class Q5_KMatrix extends ScaleMinMatrix {
    static final int BLOCK_BYTES = 176;
    private static final int SCALES = 4;
    private static final int QH = 16;
    private static final int QS = 48;

    Q5_KMatrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols, BLOCK_BYTES, QS, QH);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q5_K;
    }

    /** Writes 256 values as one super-block; see {@link KQuants} for the choice of scales. */
    static void quantizeBlock(float[] src, int srcOffset, MemorySegment dst, long dstOffset) {
        int[] q = new int[SUPER];
        KQuants.quantizeAsymmetric(src, srcOffset, 32, q, dst, dstOffset, QS);
        for (int l = 0; l < 32; l++) {
            int h = 0;
            for (int j = 0; j < 8; j++) {
                h |= (q[32 * j + l] >>> 4) << j;
            }
            dst.set(ValueLayout.JAVA_BYTE, dstOffset + QH + l, (byte) h);
        }
    }

    // As in Q4_KMatrix: one sub-block per pass of the loop over j (a single copy of the decoding keeps
    // the method under C2's node-count inlining cutoff), dot and dequantizeRows two loops, and the JDK's load.

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
                    ByteVector packed = ByteVector.fromMemorySegment(B, data, q + l, LE);
                    ByteVector fifth = ByteVector.fromMemorySegment(B, data, block + QH + l, LE);
                    ByteVector codes = nibbles(packed, 4 * (j % 2)).or(highBits(fifth, j, 0x10));
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

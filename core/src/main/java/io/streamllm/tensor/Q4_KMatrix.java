package io.streamllm.tensor;

import static io.streamllm.tensor.KQuants.SUPER;
import static io.streamllm.tensor.KQuants.half;
import static io.streamllm.tensor.KQuants.nibbles;
import static io.streamllm.tensor.KQuants.packedMin;
import static io.streamllm.tensor.KQuants.packedScale;
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
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

/**
 * Q4_K (ggml's block_q4_K): super-blocks of 256 weights in 144 bytes: f16 d, f16 dmin, 12 bytes
 * of eight packed 6-bit (scale, min) pairs ({@link KQuants#packedScale}), then 128 bytes of
 * nibbles. The super-block is 4 groups of 64 weights; group g reads bytes 32g..32g+31, weight l of
 * the group's first 32 from the low nibble of byte l (sub-block 2g), weight 32+l from its high
 * nibble (sub-block 2g+1). Weight = d * scale_j * nibble - dmin * min_j.
 *
 * <p>The scalar twin and the decode kernel are {@link KQuants}', shared with Q5_K ({@link ScaleMinMatrix});
 * {@link #dequantizeRows} computes each weight as the twin does (multiply, then subtract, in float), so the
 * float panel equals {@link #dequantizeRow} exactly.
 */
final class Q4_KMatrix extends ScaleMinMatrix {
    static final int BLOCK_BYTES = 144;
    private static final int SCALES = 4;
    private static final int QS = 16;

    Q4_KMatrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols, BLOCK_BYTES, QS, KQuants.NO_HIGH_BITS);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_K;
    }

    /** Writes 256 values as one super-block; see {@link KQuants} for the choice of scales. */
    static void quantizeBlock(float[] src, int srcOffset, MemorySegment dst, long dstOffset) {
        KQuants.quantizeAsymmetric(src, srcOffset, 16, new int[SUPER], dst, dstOffset, QS);
    }

    // dequantizeRows decodes one sub-block per pass of the loop over j, so that the decoding appears once
    // in the method: with two copies it reached C2's node-count inlining cutoff and boxed its vectors
    // (64 B per row).
    // Bytes are loaded with the JDK's ByteVector.fromMemorySegment (always inlined), not Vectors.loadBytes:
    // C2 once compiled that helper on its own and did not inline it into dequantizeRows, and a compiled
    // method holding only a vector load dies of SIGBUS, not an error, on a cut mapped file (TruncatedWeightsTest).

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
                    ByteVector codes = nibbles(ByteVector.fromMemorySegment(B, data, q + l, LE), 4 * (j % 2));
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

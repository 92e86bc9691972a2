package io.streamllm.tensor;

import static io.streamllm.tensor.KQuants.SUPER;
import static io.streamllm.tensor.KQuants.half;
import static io.streamllm.tensor.KQuants.packedMin;
import static io.streamllm.tensor.KQuants.packedScale;
import static io.streamllm.tensor.Vectors.BYTE_LANES;
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

    /** High nibbles of {@code packed}: x86 has no byte shift, so the shift is on 16-bit lanes and the mask drops what crossed. */
    static ByteVector highNibbles(ByteVector packed) {
        return packed.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0f);
    }

    @Override
    public float dot(int row, float[] x, int xOffset) {
        markFaultSafe(data);
        long block = row * rowBytes;
        FloatVector acc0 = zero(), acc1 = zero();
        for (int xi = xOffset, end = xOffset + cols; xi < end; xi += SUPER, block += BLOCK_BYTES) {
            float d = half(data, block), dmin = half(data, block + 2);
            for (int g = 0; g < 4; g++) {
                float d1 = d * packedScale(data, block + SCALES, 2 * g), m1 = dmin * packedMin(data, block + SCALES, 2 * g);
                float d2 = d * packedScale(data, block + SCALES, 2 * g + 1), m2 = dmin * packedMin(data, block + SCALES, 2 * g + 1);
                int xg = xi + 64 * g;
                for (int j = 0; j < 32; j += BYTE_LANES) {
                    ByteVector packed = loadBytes(data, block + QS + 32 * g + j);
                    ByteVector lo = packed.and((byte) 0x0f), hi = highNibbles(packed);
                    for (int p = 0; p < BYTE_PARTS; p++) {
                        int e = xg + j + p * LANES;
                        acc0 = bytesToFloats(lo, p).mul(d1).sub(m1).fma(load(x, e), acc0);
                        acc1 = bytesToFloats(hi, p).mul(d2).sub(m2).fma(load(x, e + 32), acc1);
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
            for (int g = 0; g < 4; g++) {
                float d1 = d * packedScale(data, block + SCALES, 2 * g), m1 = dmin * packedMin(data, block + SCALES, 2 * g);
                float d2 = d * packedScale(data, block + SCALES, 2 * g + 1), m2 = dmin * packedMin(data, block + SCALES, 2 * g + 1);
                int og = o + 64 * g;
                for (int j = 0; j < 32; j += BYTE_LANES) {
                    ByteVector packed = loadBytes(data, block + QS + 32 * g + j);
                    ByteVector lo = packed.and((byte) 0x0f), hi = highNibbles(packed);
                    for (int p = 0; p < BYTE_PARTS; p++) {
                        int e = og + j + p * LANES;
                        bytesToFloats(lo, p).mul(d1).sub(m1).intoArray(out, e);
                        bytesToFloats(hi, p).mul(d2).sub(m2).intoArray(out, e + 32);
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

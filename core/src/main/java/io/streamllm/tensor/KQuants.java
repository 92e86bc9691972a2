package io.streamllm.tensor;


import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorOperators;

/**
 * What the K-quant types share: super-blocks of {@link #SUPER} weights, ggml's 12-byte packing of
 * eight 6-bit (scale, min) pairs, the scalar twin of Q4_K and Q5_K (which differ only by Q5_K's
 * fifth bits), the vector bit decoding, and the block quantizers' rounding rules.
 *
 * <p>The quantizers here are not llama.cpp's (its {@code make_qkx2_quants} searches for the scale
 * that minimizes the squared error); they choose scales that make every value representable, so
 * nothing is clamped and the error per weight is at most half a step:
 * <ul>
 *   <li>asymmetric types (Q4_K, Q5_K): per sub-block of 32, the offset {@code m} covers the lowest
 *       value below 0 and the step covers the rest of the range; scales and offsets are then coded
 *       in 6 bits against the super-block's f16 {@code d} and {@code dmin}, rounded up, so that
 *       each sub-block's range still fits;</li>
 *   <li>symmetric Q6_K: per sub-block of 16, a step {@code max|x| / 31}, coded in 8 signed bits
 *       against the f16 {@code d}, rounded up.</li>
 * </ul>
 */
final class KQuants {
    private KQuants() {
    }

    /** Weights per super-block. */
    static final int SUPER = 256;

    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static float half(MemorySegment data, long at) {
        return Float.float16ToFloat(data.get(I16_LE, at));
    }

    private static int u8(MemorySegment data, long at) {
        return data.get(ValueLayout.JAVA_BYTE, at) & 0xff;
    }

    /** Scale j (0..7) of the 12 packed bytes at {@code at} (ggml's get_scale_min_k4). */
    static int packedScale(MemorySegment data, long at, int j) {
        return j < 4
                ? u8(data, at + j) & 63
                : (u8(data, at + j + 4) & 0x0f) | ((u8(data, at + j - 4) >>> 6) << 4);
    }

    /** {@link #scaleMinScalar}'s {@code qh} for Q4_K, which has no fifth bits. */
    static final int NO_HIGH_BITS = -1;

    /**
     * The scalar twin of Q4_K and Q5_K: writes the weights of {@code weights / 256} super-blocks from
     * byte {@code block} to {@code out[offset ..]}. Super-blocks are f16 d, f16 dmin, the packed scales
     * at byte 4, the nibbles at byte {@code qs} (group g of 64 weights: bytes 32g.., low nibbles are
     * sub-block 2g, high ones 2g+1), and for Q5_K the fifth bits at byte {@code qh} (bit j of byte l:
     * weight l of sub-block j). Weight = d * scale_j * code - dmin * min_j, in that order, as ggml.
     */
    static void scaleMinScalar(MemorySegment data, long block, int blockBytes, int qs, int qh, int weights,
            float[] out, int offset) {
        for (int o = offset, end = offset + weights; o < end; o += SUPER, block += blockBytes) {
            float d = half(data, block), dmin = half(data, block + 2);
            for (int j = 0; j < 8; j++) {
                float scale = d * packedScale(data, block + 4, j), min = dmin * packedMin(data, block + 4, j);
                for (int l = 0; l < 32; l++) {
                    int code = (u8(data, block + qs + 32 * (j / 2) + l) >>> 4 * (j % 2)) & 0x0f;
                    if (qh != NO_HIGH_BITS) {
                        code += ((u8(data, block + qh + l) >>> j) & 1) * 16;
                    }
                    out[o + 32 * j + l] = scale * code - min;
                }
            }
        }
    }

    /**
     * The low ({@code shift} 0) or high ({@code shift} 4) nibble of each byte. x86 has no byte shift, so
     * the shift is on 16-bit lanes, and the mask drops the bits that crossed from the lane's other byte.
     */
    static ByteVector nibbles(ByteVector packed, int shift) {
        return packed.reinterpretAsShorts().lanewise(VectorOperators.LSHR, shift).reinterpretAsBytes().and((byte) 0x0f);
    }

    /**
     * Bits {@code bit ..} of each byte moved to bit 4 and kept where {@code mask} (within bits 4-5) says:
     * {@code ((bytes >>> bit) << 4) & mask}, on 16-bit lanes (x86 has no byte shift). No bit of a lane's
     * other byte lands on bits 4-5 for {@code bit} up to 7.
     */
    static ByteVector highBits(ByteVector bytes, int bit, int mask) {
        return bytes.reinterpretAsShorts().lanewise(VectorOperators.LSHR, bit).lanewise(VectorOperators.LSHL, 4)
                .reinterpretAsBytes().and((byte) mask);
    }

    /** Min j (0..7) of the 12 packed bytes at {@code at}. */
    static int packedMin(MemorySegment data, long at, int j) {
        return j < 4
                ? u8(data, at + j + 4) & 63
                : (u8(data, at + j + 4) >>> 4) | ((u8(data, at + j) >>> 6) << 4);
    }

    /** Packs eight 6-bit scales and mins into 12 bytes at {@code at}, the inverse of {@link #packedScale}/{@link #packedMin}. */
    static void packScalesAndMins(int[] scales, int[] mins, MemorySegment dst, long at) {
        for (int j = 0; j < 4; j++) {
            dst.set(ValueLayout.JAVA_BYTE, at + j, (byte) (scales[j] | (scales[j + 4] >>> 4) << 6));
            dst.set(ValueLayout.JAVA_BYTE, at + j + 4, (byte) (mins[j] | (mins[j + 4] >>> 4) << 6));
            dst.set(ValueLayout.JAVA_BYTE, at + j + 8, (byte) ((scales[j + 4] & 0x0f) | (mins[j + 4] & 0x0f) << 4));
        }
    }

    /**
     * {@code value / 63}, or more, as the f16 stored: the smallest f16 not below it, so that codes
     * rounded up against it stay within {@code limit}.
     */
    static short halfAtLeast(float value, int limit) {
        float wanted = value / limit;
        short bits = Float.floatToFloat16(wanted);
        if (Float.float16ToFloat(bits) < wanted) {
            bits++; // positive halves are ordered as their bits
        }
        return bits;
    }

    /** The integer code {@code ceil(value / step)} within [0, limit]; 0 when the step is 0. */
    static int codeAtLeast(float value, float step, int limit) {
        return step > 0 ? Math.min(limit, (int) Math.ceil(value / step)) : 0;
    }

    /** {@code round(value / step)} clamped to [lo, hi]; lo when the step is 0. */
    static int level(float value, float step, int lo, int hi) {
        if (!(step > 0)) {
            return Math.max(lo, 0);
        }
        return Math.max(lo, Math.min(hi, Quantizer.roundHalfAwayFromZero(value / step)));
    }

    /**
     * Quantizes a super-block for an asymmetric type with {@code levels} levels per weight (16 for
     * Q4_K, 32 for Q5_K): writes d, dmin (f16) at {@code at}, the packed scales and mins at
     * {@code at + 4}, the codes' low 4 bits at {@code at + qs} (see {@link #scaleMinScalar}), and
     * returns the 256 codes in {@code q}.
     */
    static void quantizeAsymmetric(float[] src, int offset, int levels, int[] q, MemorySegment dst, long at, int qs) {
        float[] offsets = new float[8];
        float[] ranges = new float[8];
        float maxOffset = 0;
        for (int j = 0; j < 8; j++) {
            float min = 0, max = 0;
            for (int i = 0; i < 32; i++) {
                float v = src[offset + 32 * j + i];
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            offsets[j] = -min;
            ranges[j] = max - min;
            maxOffset = Math.max(maxOffset, offsets[j]);
        }
        short dminBits = halfAtLeast(maxOffset, 63);
        float dmin = Float.float16ToFloat(dminBits);
        int[] mins = new int[8];
        float[] steps = new float[8];
        float maxStep = 0;
        for (int j = 0; j < 8; j++) {
            mins[j] = codeAtLeast(offsets[j], dmin, 63);
            // The coded offset may exceed the true one; the step must still reach the highest value.
            steps[j] = (ranges[j] - offsets[j] + dmin * mins[j]) / (levels - 1);
            maxStep = Math.max(maxStep, steps[j]);
        }
        short dBits = halfAtLeast(maxStep, 63);
        float d = Float.float16ToFloat(dBits);
        int[] scales = new int[8];
        for (int j = 0; j < 8; j++) {
            scales[j] = codeAtLeast(steps[j], d, 63);
        }
        dst.set(I16_LE, at, dBits);
        dst.set(I16_LE, at + 2, dminBits);
        packScalesAndMins(scales, mins, dst, at + 4);
        for (int j = 0; j < 8; j++) {
            float step = d * scales[j];
            float m = dmin * mins[j];
            for (int i = 0; i < 32; i++) {
                q[32 * j + i] = level(src[offset + 32 * j + i] + m, step, 0, levels - 1);
            }
        }
        for (int g = 0; g < 4; g++) {
            for (int l = 0; l < 32; l++) {
                int packed = (q[64 * g + l] & 0x0f) | (q[64 * g + 32 + l] & 0x0f) << 4;
                dst.set(ValueLayout.JAVA_BYTE, at + qs + 32 * g + l, (byte) packed);
            }
        }
    }
}

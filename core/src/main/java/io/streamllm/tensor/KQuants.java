package io.streamllm.tensor;


import static io.streamllm.tensor.Vectors.B;
import static io.streamllm.tensor.Vectors.F;
import static io.streamllm.tensor.Vectors.LANES;
import static io.streamllm.tensor.Vectors.LE;
import static io.streamllm.tensor.Vectors.markFaultSafe;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

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
 *
 * <p>The decode kernels ({@link #scaleMinDot}, {@link #symmetricDot}) work a super-block at a time: its
 * bits are decoded with wide byte vectors into one integer code per weight in a per-thread buffer,
 * and its scales into floats; then each sub-block's codes, widened to floats, are multiplied with the
 * input, and the sub-block's scale is applied once to that sum. Decoding eight weights at a time in
 * float lanes (the earlier kernels) spent most of the instructions on bit shuffling and per-weight
 * scaling: Q6_K 1.3, Q4_K 2.1 GB/s per core on Zen 3, against 6.0 and 3.5 GB/s this way (decode of a
 * 4096x2048 matrix, one thread, CPU time; {@code MatvecCpuTime}). The kernels are static methods of
 * scalar arguments and result, so that a JIT that compiles them apart from their callers (as it does
 * with big methods) never passes vectors across a call, where it would box them.
 */
final class KQuants {
    private KQuants() {
    }

    /** Weights per super-block. */
    static final int SUPER = 256;

    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Bytes decoded at once: 32 (a quarter of a Q6_K half, a Q4_K group's half) or the widest vector below. */
    private static final VectorSpecies<Byte> CODES = VectorSpecies.of(byte.class,
            VectorShape.forBitSize(Math.clamp(ByteVector.SPECIES_PREFERRED.vectorBitSize(), 64, 256)));

    /** One thread's decoded super-block, and the sums of its input per 32 for the kernels called without them. */
    private static final class Decoded {
        /** Padded: with 4 float lanes a byte load is 8 bytes, of which the last widening reads 4. */
        final byte[] codes = new byte[SUPER + Vectors.BYTE_LANES];
        final float[] scales = new float[16];
        final float[] mins = new float[8];
        float[] inputSums = new float[0];
    }

    private static final ThreadLocal<Decoded> DECODED = ThreadLocal.withInitial(Decoded::new);

    /** Sums of {@code x[offset + 32i ..+32)} for the {@code length / 32} blocks of a row, in the calling thread's buffer. */
    static float[] sumsOf32(float[] x, int offset, int length) {
        Decoded decoded = DECODED.get();
        if (decoded.inputSums.length < length / 32) {
            decoded.inputSums = new float[length / 32];
        }
        float[] sums = decoded.inputSums;
        for (int b = 0; b < length / 32; b++) {
            FloatVector s = FloatVector.fromArray(F, x, offset + 32 * b);
            for (int p = LANES; p < 32; p += LANES) {
                s = s.add(FloatVector.fromArray(F, x, offset + 32 * b + p));
            }
            sums[b] = s.reduceLanes(VectorOperators.ADD);
        }
        return sums;
    }

    /**
     * The decode kernel of Q4_K and Q5_K: the dot product of {@code blocks} super-blocks from byte
     * {@code block} (layout as {@link #scaleMinScalar}) with {@code x[xOffset ..]}, given the sums of
     * that input per 32 ({@code sums[sumsOffset ..]}): each sub-block j adds
     * {@code d scale_j (codes . x) - dmin min_j sum(x)}.
     */
    static float scaleMinDot(MemorySegment data, long block, int blocks, int blockBytes, int qs, int qh,
                             float[] x, int xOffset, float[] sums, int sumsOffset) {
        markFaultSafe(data);
        Decoded decoded = DECODED.get();
        float total = 0;
        for (int b = 0; b < blocks; b++, block += blockBytes) {
            decodeScalesAndMins(data, block, decoded.scales, decoded.mins);
            if (qh == NO_HIGH_BITS) {
                decodeQ4_KCodes(data, block, qs, decoded.codes);
            } else {
                decodeQ5_KCodes(data, block, qs, qh, decoded.codes);
            }
            total += codesDot(decoded.codes, decoded.scales, 32, x, xOffset + SUPER * b);
            for (int j = 0; j < 8; j++) {
                total -= decoded.mins[j] * sums[sumsOffset + 8 * b + j];
            }
        }
        return total;
    }

    /**
     * The decode kernel of Q6_K: the dot product of {@code blocks} super-blocks from byte {@code block}
     * (layout in {@link Q6_KMatrix}) with {@code x[xOffset ..]}; each sub-block of 16 adds
     * {@code d scale_j (codes . x)}, the codes taken as signed 6-bit values (stored minus 32).
     */
    static float symmetricDot(MemorySegment data, long block, int blocks, int blockBytes, float[] x, int xOffset) {
        markFaultSafe(data);
        Decoded decoded = DECODED.get();
        float total = 0;
        for (int b = 0; b < blocks; b++, block += blockBytes) {
            decodeQ6_K(data, block, decoded.codes, decoded.scales);
            total += codesDot(decoded.codes, decoded.scales, 16, x, xOffset + SUPER * b);
        }
        return total;
    }

    // The kernels above are split into a decoding and a dot product per super-block, each a method of its
    // own that takes and returns no vector: in one method, C2 reached its node-count inlining cutoff,
    // left the Vector API's helpers as calls and boxed every vector (127 collections in a 4-second run).
    // The methods below call only the JDK's Vector API (always inlined), not our small helpers (nibbles,
    // highBits, Vectors.*): prefill calls those helpers from other kernels so often that C2 compiles them
    // on their own, and a helper compiled on its own is then too big to inline anywhere, so its vectors
    // are boxed: a Q4_K_M decode after a prefill in the same JVM fell from 3.8 to 0.44 tok/s (JFR's
    // allocation samples named nibbles and highBits).

    /** The 256 codes (low nibbles) of a Q4_K super-block. */
    private static void decodeQ4_KCodes(MemorySegment data, long block, int qs, byte[] codes) {
        markFaultSafe(data); // compiled apart from its caller: see Vectors.markFaultSafe
        for (int j = 0; j < 8; j++) {
            for (int l = 0; l < 32; l += CODES.length()) {
                // As nibbles() and highBits(), written out: see the note on helpers above.
                ByteVector.fromMemorySegment(CODES, data, block + qs + 32 * (j / 2) + l, LE).reinterpretAsShorts()
                        .lanewise(VectorOperators.LSHR, 4 * (j % 2)).reinterpretAsBytes().and((byte) 0x0f)
                        .intoArray(codes, 32 * j + l);
            }
        }
    }

    /**
     * The 256 codes (low nibble and fifth bit) of a Q5_K super-block. Not one method with Q4_K's under an if:
     * compiled for Q4_K first, such a method was recompiled when Q5_K came and then boxed its vectors.
     */
    private static void decodeQ5_KCodes(MemorySegment data, long block, int qs, int qh, byte[] codes) {
        markFaultSafe(data); // compiled apart from its caller: see Vectors.markFaultSafe
        for (int j = 0; j < 8; j++) {
            for (int l = 0; l < 32; l += CODES.length()) {
                ByteVector low = ByteVector.fromMemorySegment(CODES, data, block + qs + 32 * (j / 2) + l, LE).reinterpretAsShorts()
                        .lanewise(VectorOperators.LSHR, 4 * (j % 2)).reinterpretAsBytes().and((byte) 0x0f);
                ByteVector fifth = ByteVector.fromMemorySegment(CODES, data, block + qh + l, LE).reinterpretAsShorts()
                        .lanewise(VectorOperators.LSHR, j).lanewise(VectorOperators.LSHL, 4).reinterpretAsBytes().and((byte) 0x10);
                low.or(fifth).intoArray(codes, 32 * j + l);
            }
        }
    }

    /** The 256 signed codes and the 16 scales (times d) of a Q6_K super-block; see {@link Q6_KMatrix} for the layout. */
    private static void decodeQ6_K(MemorySegment data, long block, byte[] codes, float[] scales) {
        markFaultSafe(data); // compiled apart from its caller: see Vectors.markFaultSafe
        for (int n = 0; n < 2; n++) {
            for (int k = 0; k < 4; k++) {
                for (int l = 0; l < 32; l += CODES.length()) {
                    ByteVector low = ByteVector.fromMemorySegment(CODES, data, block + 64 * n + 32 * (k % 2) + l, LE)
                            .reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4 * (k / 2)).reinterpretAsBytes().and((byte) 0x0f);
                    ByteVector high = ByteVector.fromMemorySegment(CODES, data, block + Q6_KMatrix.QH + 32 * n + l, LE)
                            .reinterpretAsShorts().lanewise(VectorOperators.LSHR, 2 * k).lanewise(VectorOperators.LSHL, 4)
                            .reinterpretAsBytes().and((byte) 0x30);
                    low.or(high).sub((byte) 32).intoArray(codes, 128 * n + 32 * k + l);
                }
            }
        }
        FloatVector d = FloatVector.broadcast(F, half(data, block + Q6_KMatrix.D));
        for (int j = 0; j < 16; j += Vectors.BYTE_LANES) {
            ByteVector scaleCodes = ByteVector.fromMemorySegment(B, data, block + Q6_KMatrix.SCALES + j, LE);
            for (int p = 0; p < Vectors.BYTE_PARTS; p++) {
                ((FloatVector) scaleCodes.convertShape(VectorOperators.B2F, F, p)).mul(d).intoArray(scales, j + p * LANES);
            }
        }
    }

    /** One super-block's {@code sum_j scales[j] (codes . x)} over sub-blocks of {@code length} codes, input from {@code xi}. */
    private static float codesDot(byte[] codes, float[] scales, int length, float[] x, int xi) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
        for (int j = 0; j < SUPER / length; j++) {
            int from = length * j;
            FloatVector products = FloatVector.zero(F);
            for (int p = 0; p < length; p += LANES) {
                FloatVector weights = (FloatVector) ByteVector.fromArray(B, codes, from + p).convertShape(VectorOperators.B2F, F, 0);
                products = weights.fma(FloatVector.fromArray(F, x, xi + from + p), products);
            }
            // Alternate accumulators, so that one sub-block's FMA need not wait for the previous one's.
            FloatVector next = FloatVector.broadcast(F, scales[j]).fma(products, acc1);
            acc1 = acc0;
            acc0 = next;
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    /** The eight scales times d and mins times dmin of the super-block at {@code block}, from its 12 packed bytes. */
    private static void decodeScalesAndMins(MemorySegment data, long block, float[] scales, float[] mins) {
        float d = half(data, block), dmin = half(data, block + 2);
        int a = data.get(I32_LE, block + 4), b = data.get(I32_LE, block + 8), c = data.get(I32_LE, block + 12);
        // The four bytes of each word: scales 0-3 and mins 0-3 in six bits, 4-7 split over c's nibbles and a's and b's top bits.
        int scalesLow = a & 0x3f3f3f3f;
        int minsLow = b & 0x3f3f3f3f;
        int scalesHigh = (c & 0x0f0f0f0f) | (a >>> 6 & 0x03030303) << 4;
        int minsHigh = (c >>> 4 & 0x0f0f0f0f) | (b >>> 6 & 0x03030303) << 4;
        for (int j = 0; j < 4; j++) {
            scales[j] = d * (scalesLow >>> 8 * j & 0xff);
            scales[j + 4] = d * (scalesHigh >>> 8 * j & 0xff);
            mins[j] = dmin * (minsLow >>> 8 * j & 0xff);
            mins[j + 4] = dmin * (minsHigh >>> 8 * j & 0xff);
        }
    }

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

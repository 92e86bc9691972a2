package io.streamllm.tensor;

import static io.streamllm.tensor.Vectors.F;
import static io.streamllm.tensor.Vectors.LANES;
import static io.streamllm.tensor.Vectors.load;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The unit in which the types with sub-blocks of 16 or 32 weights (Q2_K, Q3_K, IQ4_XS, Q4_1, Q5_0)
 * decode: 16 consecutive weights as 16 small integers in one 128-bit byte vector, with one scale and
 * one offset, so weight = scale * q + offset. Each type only says how it unpacks its bits into
 * those 16 bytes; widening to floats and the multiply-adds are here, once for every vector width:
 * one float vector per group with AVX-512, two with AVX2, four with 128-bit vectors.
 *
 * <p>128 bits because every shape has it (the 16-entry IQ4_XS table lookup is then one byte
 * shuffle on any machine) and because the packed bits of 16 weights never span more than 16 bytes.
 * The helpers are tiny and static so that C2 inlines them and keeps the vectors in registers.
 */
final class Group16 {
    private Group16() {
    }

    /** Weights per group. */
    static final int SIZE = 16;
    static final VectorSpecies<Byte> BYTES = ByteVector.SPECIES_128;
    /** Float vectors per group (the float species is at most 512 bits, so at least one). */
    private static final int PARTS = SIZE / LANES;

    /**
     * 16 bytes of {@code data} from byte offset {@code offset}. Marks its caller fault-safe
     * ({@link Vectors#markFaultSafe}) as well: the types' group decoders are small methods that C2 may
     * compile on their own and C1-compiled code then calls; one holding only this vector load died of
     * SIGBUS on a truncated mapped file (TruncatedWeightsTest) instead of raising an InternalError.
     */
    static ByteVector load16(MemorySegment data, long offset) {
        Vectors.markFaultSafe(data);
        return ByteVector.fromMemorySegment(BYTES, data, offset, Vectors.LE);
    }

    /**
     * Each byte shifted right by {@code bits} (0..7). x86 has no byte shift, so the shift is done on
     * 16-bit lanes: only the low {@code 8 - bits} bits of each result byte are its own, and callers
     * mask the field they want from those.
     */
    static ByteVector shiftRight(ByteVector bytes, int bits) {
        return bytes.reinterpretAsShorts().lanewise(VectorOperators.LSHR, bits).reinterpretAsBytes();
    }

    /**
     * Each byte shifted left by {@code bits}, on 16-bit lanes as {@link #shiftRight}: exact for bytes
     * whose top {@code bits} bits are clear (nothing crosses into the next byte).
     */
    static ByteVector shiftLeft(ByteVector bytes, int bits) {
        return bytes.reinterpretAsShorts().lanewise(VectorOperators.LSHL, bits).reinterpretAsBytes();
    }

    /** The low 4 bits of each byte. */
    static ByteVector lowNibbles(ByteVector packed) {
        return packed.and((byte) 0x0f);
    }

    /** The high 4 bits of each byte. */
    static ByteVector highNibbles(ByteVector packed) {
        return shiftRight(packed, 4).and((byte) 0x0f);
    }

    /** Moves bytes down by one float vector's worth: lane i takes lane i + LANES (the top lanes are don't-care). */
    private static final VectorShuffle<Byte> NEXT_PART = VectorShuffle.fromOp(BYTES, i -> (i + LANES) % SIZE);

    /**
     * The first {@code LANES} quants of {@code q} as weights {@code q * scale + offset}, rounded as the
     * scalar dequantizers round (a multiply, then an add; no fused multiply-add), so that the vector
     * decoding gives the very floats of {@link WeightMatrix#dequantizeRow}.
     *
     * <p>Only the bottom part is ever converted; the other parts are first moved down by a byte
     * shuffle ({@link #NEXT_PART}). Converting part 1 of the 128-bit vector directly measured 2x slower on
     * AVX2 (whole matvec), and moving a part through a scalar lane with a variable index boxed the vectors.
     */
    private static FloatVector weights(ByteVector q, float scale, float offset) {
        return ((FloatVector) q.convertShape(VectorOperators.B2F, F, 0)).mul(scale).add(offset);
    }

    /** {@code acc} plus the lane-wise products of the group's weights with {@code x[xi .. xi+16)}. */
    static FloatVector dot(ByteVector q, float scale, float offset, float[] x, int xi, FloatVector acc) {
        for (int p = 0; p < PARTS; p++, q = q.rearrange(NEXT_PART)) {
            acc = weights(q, scale, offset).fma(load(x, xi + p * LANES), acc);
        }
        return acc;
    }

    /** Writes the group's 16 weights to {@code out[at .. at+16)}. */
    static void store(ByteVector q, float scale, float offset, float[] out, int at) {
        for (int p = 0; p < PARTS; p++, q = q.rearrange(NEXT_PART)) {
            weights(q, scale, offset).intoArray(out, at + p * LANES);
        }
    }
}

package io.streamllm.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector shapes and small decoding helpers shared by the per-type kernels.
 *
 * <p>Every kernel works in float vectors of the platform's preferred width ({@link #LANES} floats:
 * 16 with AVX-512, 8 with AVX2, 4 with NEON). Packed weights are loaded with a species holding one
 * element per float lane (or, for bytes, at least 64 bits) and widened in registers, so the kernels
 * are written once for any width. The helpers are tiny and static so that C2 inlines them and keeps
 * the vectors in registers.
 */
final class Vectors {
    private Vectors() {
    }

    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /**
     * Floats: the species every kernel accumulates in. Capped at 512 bits so that a vector never
     * spans more than one 32-element quantization block (SVE allows wider vectors).
     */
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.vectorBitSize() > 512
            ? FloatVector.SPECIES_512 : FloatVector.SPECIES_PREFERRED;
    /** Floats per vector. */
    static final int LANES = F.length();
    /** Ints of the same shape as {@link #F}: the integer view used for bit-level decoding. */
    static final VectorSpecies<Integer> I = F.withLanes(int.class);
    /** One short per float lane: 16-bit weights (F16, BF16) for one float vector. */
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(LANES * 16));
    /**
     * Bytes loaded at once for 8-bit and 4-bit weights: one per float lane, but never narrower than
     * the smallest vector shape (64 bits), so with 4 float lanes one load feeds {@link #BYTE_PARTS} vectors.
     */
    static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, LANES * 8)));
    /** Bytes per load of {@link #B}. */
    static final int BYTE_LANES = B.length();
    /** Float vectors made from one {@link #B} load. */
    static final int BYTE_PARTS = BYTE_LANES / LANES;

    /** Multiplying a half's bits moved into float position by 2^112 rebias the exponent (127 - 15). */
    private static final float HALF_REBIAS = 0x1p112f;
    /** A half's exponent bits, all ones (infinity or NaN), once shifted into float position. */
    private static final int HALF_INF_SHIFTED = 0x7c00 << 13;

    /** Sum of the lanes. */
    static float sum(FloatVector v) {
        return v.reduceLanes(VectorOperators.ADD);
    }

    static FloatVector zero() {
        return FloatVector.zero(F);
    }

    /** {@code value} in every lane. */
    static FloatVector broadcast(float value) {
        return FloatVector.broadcast(F, value);
    }

    /** {@link #LANES} floats of {@code x} from {@code offset}. */
    static FloatVector load(float[] x, int offset) {
        return FloatVector.fromArray(F, x, offset);
    }

    /** Part {@code part} (of {@link #BYTE_PARTS}) of signed bytes {@code bytes}, widened to floats. */
    static FloatVector bytesToFloats(ByteVector bytes, int part) {
        return (FloatVector) bytes.convertShape(VectorOperators.B2F, F, part);
    }

    /** Part {@code part} (of {@link #BYTE_PARTS}) of unsigned bytes {@code bytes}, widened to ints. */
    static IntVector unsignedBytesToInts(ByteVector bytes, int part) {
        return (IntVector) bytes.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part);
    }

    /** {@link #LANES} little-endian floats from {@code data} at byte offset {@code offset}. */
    static FloatVector loadFloats(MemorySegment data, long offset) {
        return FloatVector.fromMemorySegment(F, data, offset, LE);
    }

    /** {@link #BYTE_LANES} signed bytes from {@code data} at byte offset {@code offset}. */
    static ByteVector loadBytes(MemorySegment data, long offset) {
        return ByteVector.fromMemorySegment(B, data, offset, LE);
    }

    /** {@link #LANES} 16-bit values from {@code data} at byte offset {@code offset}, sign-extended to ints. */
    static IntVector loadShortsAsInts(MemorySegment data, long offset) {
        return (IntVector) ShortVector.fromMemorySegment(S, data, offset, LE).convertShape(VectorOperators.S2I, I, 0);
    }

    /**
     * Called first in every kernel method that loads vectors from a mapped segment. The weights are a mapped
     * file, and a read of a page that the file no longer has (truncated under the running process) faults.
     * HotSpot turns the fault into an InternalError, which FileBackedTransformer reports as a changed file,
     * only in compiled code that contains a scalar MemorySegment (Unsafe) access; a compiled method holding
     * only Vector API loads dies of SIGBUS, taking the process with it. One scalar read per method marks it
     * (its value is unused; the marking is what counts). A read per vector load did the same but made
     * prefill 5.7x slower (llama-1b Q4_0 pp64: 12.8 -> 2.2 tok/s on AVX2).
     */
    static void markFaultSafe(MemorySegment data) {
        data.get(ValueLayout.JAVA_BYTE, 0);
    }
    /** bfloat16 values (sign-extended to ints) to floats: bfloat16 is the top half of a float32. */
    static FloatVector bf16ToFloats(IntVector bits) {
        return bits.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /**
     * IEEE half values (sign-extended to ints) to floats, exactly, as {@link Float#float16ToFloat}.
     * Exponent and mantissa move to float position and a multiply by 2^112 rebiases the exponent; that
     * multiply also turns half subnormals (exponent 0) into the right normal floats. Only infinities
     * and NaNs (half exponent 31) need a fix-up, since 2^112 does not reach float's exponent 255.
     */
    static FloatVector halfToFloats(IntVector bits) {
        IntVector magnitude = bits.and(0x7fff).lanewise(VectorOperators.LSHL, 13);
        IntVector sign = bits.and(0x8000_0000);
        FloatVector value = magnitude.or(sign).reinterpretAsFloats().mul(HALF_REBIAS);
        VectorMask<Integer> special = magnitude.compare(VectorOperators.GE, HALF_INF_SHIFTED);
        if (special.anyTrue()) {
            // Infinity stays infinity and NaN stays NaN: set float's exponent to all ones.
            FloatVector infNan = magnitude.or(sign).or(0x7f80_0000).reinterpretAsFloats();
            value = value.blend(infNan, special.cast(F));
        }
        return value;
    }
}

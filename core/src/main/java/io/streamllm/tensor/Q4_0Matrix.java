package io.streamllm.tensor;

import static io.streamllm.tensor.Vectors.markFaultSafe;
import static io.streamllm.tensor.Vectors.BYTE_LANES;
import static io.streamllm.tensor.Vectors.BYTE_PARTS;
import static io.streamllm.tensor.Vectors.F;
import static io.streamllm.tensor.Vectors.LANES;
import static io.streamllm.tensor.Vectors.bytesToFloats;
import static io.streamllm.tensor.Vectors.load;
import static io.streamllm.tensor.Vectors.loadBytes;
import static io.streamllm.tensor.Vectors.sum;
import static io.streamllm.tensor.Vectors.unsignedBytesToInts;
import static io.streamllm.tensor.Vectors.zero;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_0: blocks of 32 weights, each block an f16 scale d and 16 bytes of 4-bit values.
 * Byte j holds element j in its low nibble and element j+16 in its high nibble; w = d * (nibble - 8).
 *
 * <p>With 16 float lanes (AVX-512) a nibble is decoded by a table lookup: the 16 levels -8..7 fill
 * exactly one vector, and a lane permute ({@code selectFrom}, one vpermd) indexed by the nibble
 * gives the weight, already scaled when the table is. That replaces mask/subtract/int-to-float
 * (measured 1.45x faster matvec and ~1.2x faster batched than converting). Other widths split the
 * nibbles on the packed bytes, subtract 8, and widen to floats.
 */
final class Q4_0Matrix extends WeightMatrix {
    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 18;
    private static final int HALF = BLOCK / 2;

    Q4_0Matrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }

    @Override
    public void dequantizeRow(int row, float[] out, int offset) {
        long base = (long) row * (cols / BLOCK) * BLOCK_BYTES;
        for (int b = 0; b < cols / BLOCK; b++) {
            long block = base + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(I16_LE, block));
            for (int j = 0; j < BLOCK / 2; j++) {
                int packed = data.get(ValueLayout.JAVA_BYTE, block + 2 + j) & 0xff;
                out[offset + b * BLOCK + j] = d * ((packed & 0x0f) - 8);
                out[offset + b * BLOCK + j + 16] = d * ((packed >>> 4) - 8);
            }
        }
    }

    /** Vector decoding of {@link #dequantizeRow}: the same products d * (nibble - 8), in the same rounding. */
    @Override
    public void dequantizeRows(int rowStart, int count, float[] out, int offset) {
        markFaultSafe(data);
        long block = rowStart * rowBytes;
        for (int o = offset, end = offset + count * cols; o < end; o += BLOCK, block += BLOCK_BYTES) {
            float d = scale(block);
            for (int j = 0; j < HALF; j += BYTE_LANES) {
                ByteVector packed = loadBytes(data, block + 2 + j);
                ByteVector lo = low(packed);
                ByteVector hi = high(packed);
                for (int p = 0; p < BYTE_PARTS; p++) {
                    int e = o + j + p * LANES;
                    bytesToFloats(lo, p).mul(d).intoArray(out, e);
                    bytesToFloats(hi, p).mul(d).intoArray(out, e + HALF);
                }
            }
        }
    }

    /** Writes 32 values as one block, with llama.cpp's rounding. */
    static void quantizeBlock(float[] x, int offset, MemorySegment dst, long at) {
        // The value of largest magnitude, sign kept, maps to -8 so that the full 4-bit range is used.
        float amax = 0;
        float max = 0;
        for (int i = 0; i < 32; i++) {
            float v = x[offset + i];
            if (Math.abs(v) > amax) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -8f;
        float id = d != 0 ? 1f / d : 0f;
        dst.set(I16_LE, at, Float.floatToFloat16(d));
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, (int) (x[offset + j] * id + 8.5f));
            int hi = Math.min(15, (int) (x[offset + j + 16] * id + 8.5f));
            dst.set(ValueLayout.JAVA_BYTE, at + 2 + j, (byte) (lo | (hi << 4)));
        }
    }

    private float scale(long block) {
        return Float.float16ToFloat(data.get(I16_LE, block));
    }

    /** Whether one float vector holds the 16 levels, for the table-lookup decoding. */
    private static final boolean TABLE = LANES == 16;
    /** The levels nibble - 8 as float bits; a nibble indexes its level (selectFrom wraps 0..255 to 0..15). */
    private static final IntVector LEVELS = TABLE
            ? FloatVector.fromArray(F, new float[] {-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7}, 0).reinterpretAsInts()
            : null;

    /** Low nibbles of {@code packed} minus 8: weights j of the block, as signed bytes (generic path). */
    private static ByteVector low(ByteVector packed) {
        return packed.and((byte) 0x0f).sub((byte) 8);
    }

    /**
     * High nibbles of {@code packed} minus 8: weights j+16 (generic path). x86 has no byte shift, so
     * the shift is done on 16-bit lanes; the mask then drops the bits shifted in from the next byte.
     */
    private static ByteVector high(ByteVector packed) {
        return packed.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes()
                .and((byte) 0x0f).sub((byte) 8);
    }

    @Override
    public float dot(int row, float[] x, int xOffset) {
        markFaultSafe(data);
        long block = row * rowBytes;
        // Each block's sum goes into the accumulator of two blocks back (acc1, then the two swap),
        // so that consecutive blocks' FMAs overlap. The block is decoded in one place only: each
        // copy is many IR nodes, and with four C2 hit its node-count inlining cutoff and boxed the
        // vectors (50x slower); nor in a helper, which C2 may compile on its own first and then
        // refuse to inline ("already compiled into a big method").
        FloatVector acc0 = zero(), acc1 = zero();
        for (int xi = xOffset, end = xOffset + cols; xi < end; xi += BLOCK, block += BLOCK_BYTES) {
            FloatVector s;
            if (TABLE) {
                IntVector packed = unsignedBytesToInts(loadBytes(data, block + 2), 0);
                // Low nibbles are weights 0..15, high nibbles 16..31; selectFrom only uses an index's low 4 bits.
                s = packed.selectFrom(LEVELS).reinterpretAsFloats().mul(load(x, xi));
                s = packed.lanewise(VectorOperators.LSHR, 4).selectFrom(LEVELS).reinterpretAsFloats()
                        .fma(load(x, xi + HALF), s);
            } else {
                s = zero();
                for (int j = 0; j < HALF; j += BYTE_LANES) {
                    ByteVector packed = loadBytes(data, block + 2 + j);
                    ByteVector lo = low(packed);
                    ByteVector hi = high(packed);
                    for (int p = 0; p < BYTE_PARTS; p++) {
                        int e = j + p * LANES;
                        s = bytesToFloats(lo, p).fma(load(x, xi + e), s);
                        s = bytesToFloats(hi, p).fma(load(x, xi + HALF + e), s);
                    }
                }
            }
            FloatVector next = s.fma(FloatVector.broadcast(F, scale(block)), acc1);
            acc1 = acc0;
            acc0 = next;
        }
        return sum(acc0.add(acc1));
    }

    @Override
    protected void prepare(MatvecInput input) {
        if (!TABLE) {
            input.prepareHalves();
        }
    }

    /**
     * Decode on widths without the table (AVX2, NEON): each byte zero-extended to an int lane that keeps
     * both its nibbles. The low nibble is masked in place; the high one too, without a shift, which leaves
     * 16 times its value: the input's second half of each block comes divided by 16
     * ({@link MatvecInput#prepareHalves}). The offset 8 is subtracted once per block, as 8 times the
     * block's input sum. That is an and, a convert and an FMA per 8 weights, where splitting the packed
     * bytes and widening them (as {@link #dot(int, float[], int)} does) took twice the instructions.
     * With 16 lanes the table lookup of {@link #dot(int, float[], int)} stays faster.
     */
    @Override
    protected float dot(int row, MatvecInput input) {
        if (TABLE) {
            return dot(row, input.x(), 0);
        }
        markFaultSafe(data);
        float[] x = input.halvesScaled();
        float[] blockSums = input.blockSums();
        long row0 = row * rowBytes;
        FloatVector acc0 = zero(), acc1 = zero();
        float offset = 0;
        // Offsets computed from the block index, not advanced by addition, so that C2 sees them as
        // linear in the loop variable and hoists the segment's bounds checks out of the loop. Each
        // block's sum goes into the accumulator of two blocks back, so that consecutive blocks overlap.
        for (int b = 0, blocks = cols / BLOCK; b < blocks; b++) {
            int xi = b * BLOCK;
            long w = row0 + (long) b * BLOCK_BYTES;
            FloatVector s = zero();
            for (int j = 0; j < HALF; j += BYTE_LANES) {
                ByteVector q = loadBytes(data, w + 2 + j);
                for (int p = 0; p < BYTE_PARTS; p++) {
                    int e = xi + j + p * LANES;
                    IntVector n = unsignedBytesToInts(q, p);
                    s = lowNibble(n).fma(load(x, e), s);
                    s = highNibbleTimes16(n).fma(load(x, e + HALF), s);
                }
            }
            float d = scale(w);
            FloatVector next = s.fma(FloatVector.broadcast(F, d), acc1);
            acc1 = acc0;
            acc0 = next;
            offset = Math.fma(d, blockSums[b], offset);
        }
        return sum(acc0.add(acc1)) - 8 * offset;
    }

    private static FloatVector lowNibble(IntVector packed) {
        return (FloatVector) packed.and(0x0f).convert(VectorOperators.I2F, 0);
    }

    private static FloatVector highNibbleTimes16(IntVector packed) {
        return (FloatVector) packed.and(0xf0).convert(VectorOperators.I2F, 0);
    }

    /**
     * 2 rows x 4 inputs: decoding these weights takes many IR nodes, and 4 rows of it in one loop
     * exceed C2's inlining budget (the vectors then get boxed: 20x slower).
     */
    @Override
    protected int tileRows() {
        return 2;
    }

    @Override
    protected int tile(int row, float[] x, int token, float[] sums) {
        markFaultSafe(data);
        return TABLE ? tileTable(row, x, token, sums) : tileGeneric(row, x, token, sums);
    }

    private int tileTable(int row, float[] x, int token, float[] sums) {
        long w0 = row * rowBytes, w1 = w0 + rowBytes;
        int x0 = token * cols, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        FloatVector levels = LEVELS.reinterpretAsFloats();
        FloatVector a00 = zero(), a01 = zero(), a02 = zero(), a03 = zero();
        FloatVector a10 = zero(), a11 = zero(), a12 = zero(), a13 = zero();
        // The decoding is written out here rather than in a helper: C2 may compile a helper on its
        // own first and then refuse to inline it ("already compiled into a big method"), boxing the vectors.
        for (int i = 0; i < cols; i += BLOCK) {
            // The table scaled once per block and row: the lookups then give finished weights.
            IntVector t0 = levels.mul(scale(w0)).reinterpretAsInts(), t1 = levels.mul(scale(w1)).reinterpretAsInts();
            IntVector p0 = unsignedBytesToInts(loadBytes(data, w0 + 2), 0);
            IntVector p1 = unsignedBytesToInts(loadBytes(data, w1 + 2), 0);
            for (int h = 0; h < 2; h++) {
                int e = i + h * HALF;
                // Low nibbles are weights 0..15, high nibbles 16..31; selectFrom only uses an index's low 4 bits.
                FloatVector u0 = (h == 0 ? p0 : p0.lanewise(VectorOperators.LSHR, 4)).selectFrom(t0).reinterpretAsFloats();
                FloatVector u1 = (h == 0 ? p1 : p1.lanewise(VectorOperators.LSHR, 4)).selectFrom(t1).reinterpretAsFloats();
                FloatVector xv = load(x, x0 + e);
                a00 = u0.fma(xv, a00);
                a10 = u1.fma(xv, a10);
                xv = load(x, x1 + e);
                a01 = u0.fma(xv, a01);
                a11 = u1.fma(xv, a11);
                xv = load(x, x2 + e);
                a02 = u0.fma(xv, a02);
                a12 = u1.fma(xv, a12);
                xv = load(x, x3 + e);
                a03 = u0.fma(xv, a03);
                a13 = u1.fma(xv, a13);
            }
            w0 += BLOCK_BYTES;
            w1 += BLOCK_BYTES;
        }
        a00.intoArray(sums, 0 * LANES);
        a01.intoArray(sums, 1 * LANES);
        a02.intoArray(sums, 2 * LANES);
        a03.intoArray(sums, 3 * LANES);
        a10.intoArray(sums, 4 * LANES);
        a11.intoArray(sums, 5 * LANES);
        a12.intoArray(sums, 6 * LANES);
        a13.intoArray(sums, 7 * LANES);
        return cols;
    }

    private int tileGeneric(int row, float[] x, int token, float[] sums) {
        long w0 = row * rowBytes, w1 = w0 + rowBytes;
        int x0 = token * cols, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        FloatVector a00 = zero(), a01 = zero(), a02 = zero(), a03 = zero();
        FloatVector a10 = zero(), a11 = zero(), a12 = zero(), a13 = zero();
        for (int i = 0; i < cols; i += BYTE_LANES) {
            // Elements 0..15 of a block are low nibbles, 16..31 high ones.
            long block = (long) (i / BLOCK) * BLOCK_BYTES;
            int within = i % BLOCK;
            long q = block + 2 + within % HALF;
            float d0 = scale(w0 + block), d1 = scale(w1 + block);
            ByteVector q0 = loadBytes(data, w0 + q), q1 = loadBytes(data, w1 + q);
            q0 = within < HALF ? low(q0) : high(q0);
            q1 = within < HALF ? low(q1) : high(q1);
            for (int p = 0; p < BYTE_PARTS; p++) {
                int e = i + p * LANES;
                FloatVector u0 = bytesToFloats(q0, p).mul(d0), u1 = bytesToFloats(q1, p).mul(d1);
                FloatVector xv = load(x, x0 + e);
                a00 = u0.fma(xv, a00);
                a10 = u1.fma(xv, a10);
                xv = load(x, x1 + e);
                a01 = u0.fma(xv, a01);
                a11 = u1.fma(xv, a11);
                xv = load(x, x2 + e);
                a02 = u0.fma(xv, a02);
                a12 = u1.fma(xv, a12);
                xv = load(x, x3 + e);
                a03 = u0.fma(xv, a03);
                a13 = u1.fma(xv, a13);
            }
        }
        a00.intoArray(sums, 0 * LANES);
        a01.intoArray(sums, 1 * LANES);
        a02.intoArray(sums, 2 * LANES);
        a03.intoArray(sums, 3 * LANES);
        a10.intoArray(sums, 4 * LANES);
        a11.intoArray(sums, 5 * LANES);
        a12.intoArray(sums, 6 * LANES);
        a13.intoArray(sums, 7 * LANES);
        return cols;
    }
}

package io.streamllm.tensor;

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
 * (1.3x faster matvec, 1.9x faster batched than converting). Other widths split the nibbles on the
 * packed bytes, subtract 8, and widen to floats.
 */
final class Q4_0Matrix extends WeightMatrix {
    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 18;
    private static final int HALF = BLOCK / 2;

    private final long rowBytes;

    Q4_0Matrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols);
        this.rowBytes = (long) (cols / BLOCK) * BLOCK_BYTES;
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

    private float scale(long block) {
        return Float.float16ToFloat(data.get(I16_LE, block));
    }

    /** Whether one float vector holds the 16 levels, for the table-lookup decoding. */
    private static final boolean TABLE = LANES == 16;
    /** The levels nibble - 8 as float bits; a nibble indexes its level (selectFrom wraps 0..255 to 0..15). */
    private static final IntVector LEVELS = TABLE
            ? FloatVector.fromArray(F, new float[] {-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7}, 0).reinterpretAsInts()
            : null;

    /** The packed bytes of a block, one per int lane (table path). */
    private IntVector packedInts(long block) {
        return unsignedBytesToInts(loadBytes(data, block + 2), 0);
    }

    /** Weights 0..15 of a block from its packed ints: the level of each low nibble in {@code table}. */
    private static FloatVector lowLevels(IntVector packed, IntVector table) {
        return packed.selectFrom(table).reinterpretAsFloats();
    }

    /** Weights 16..31 of a block from its packed ints: the level of each high nibble in {@code table}. */
    private static FloatVector highLevels(IntVector packed, IntVector table) {
        return packed.lanewise(VectorOperators.LSHR, 4).selectFrom(table).reinterpretAsFloats();
    }

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

    /** {@code acc + d * (w . x[xi .. xi+32))} for the block at byte {@code block}, scaled once per block. */
    private FloatVector blockDot(long block, float[] x, int xi, FloatVector acc) {
        FloatVector s;
        if (TABLE) {
            IntVector packed = packedInts(block);
            s = lowLevels(packed, LEVELS).mul(load(x, xi));
            s = highLevels(packed, LEVELS).fma(load(x, xi + HALF), s);
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
        return s.fma(FloatVector.broadcast(F, scale(block)), acc);
    }

    @Override
    public float dot(int row, float[] x, int xOffset) {
        long block = row * rowBytes;
        int blocks = cols / BLOCK;
        int xi = xOffset;
        // Two blocks per iteration into two accumulators, so that their FMAs overlap. Not more:
        // each block is many IR nodes, and with four copies C2 hits its node-count inlining cutoff
        // and stops inlining the Vector API (the vectors then get boxed: measured 50x slower).
        FloatVector acc0 = zero(), acc1 = zero();
        int b = 0;
        for (; b + 2 <= blocks; b += 2) {
            acc0 = blockDot(block, x, xi, acc0);
            acc1 = blockDot(block + BLOCK_BYTES, x, xi + BLOCK, acc1);
            block += 2 * BLOCK_BYTES;
            xi += 2 * BLOCK;
        }
        if (b < blocks) {
            acc0 = blockDot(block, x, xi, acc0);
        }
        return sum(acc0.add(acc1));
    }

    @Override
    protected void tile2x4(int row, float[] x, int token, float[] out) {
        if (TABLE) {
            tile2x4Table(row, x, token, out);
        } else {
            tile2x4Generic(row, x, token, out);
        }
    }

    private void tile2x4Table(int row, float[] x, int token, float[] out) {
        long block0 = row * rowBytes;
        long block1 = block0 + rowBytes;
        int x0 = token * cols, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        FloatVector levels = LEVELS.reinterpretAsFloats();
        FloatVector a00 = zero(), a01 = zero(), a02 = zero(), a03 = zero();
        FloatVector a10 = zero(), a11 = zero(), a12 = zero(), a13 = zero();
        for (int i = 0; i < cols; i += BLOCK) {
            // Scale the table once per block and row; the lookups then give finished weights.
            IntVector table0 = levels.mul(scale(block0)).reinterpretAsInts();
            IntVector table1 = levels.mul(scale(block1)).reinterpretAsInts();
            IntVector packed0 = packedInts(block0);
            IntVector packed1 = packedInts(block1);
            for (int h = 0; h < 2; h++) {
                int e = i + h * HALF;
                FloatVector u = h == 0 ? lowLevels(packed0, table0) : highLevels(packed0, table0);
                FloatVector v = h == 0 ? lowLevels(packed1, table1) : highLevels(packed1, table1);
                FloatVector xv = load(x, x0 + e);
                a00 = u.fma(xv, a00);
                a10 = v.fma(xv, a10);
                xv = load(x, x1 + e);
                a01 = u.fma(xv, a01);
                a11 = v.fma(xv, a11);
                xv = load(x, x2 + e);
                a02 = u.fma(xv, a02);
                a12 = v.fma(xv, a12);
                xv = load(x, x3 + e);
                a03 = u.fma(xv, a03);
                a13 = v.fma(xv, a13);
            }
            block0 += BLOCK_BYTES;
            block1 += BLOCK_BYTES;
        }
        store2x4(out, row, token, sum(a00), sum(a01), sum(a02), sum(a03), sum(a10), sum(a11), sum(a12), sum(a13));
    }

    private void tile2x4Generic(int row, float[] x, int token, float[] out) {
        long block0 = row * rowBytes;
        long block1 = block0 + rowBytes;
        int x0 = token * cols, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        FloatVector a00 = zero(), a01 = zero(), a02 = zero(), a03 = zero();
        FloatVector a10 = zero(), a11 = zero(), a12 = zero(), a13 = zero();
        for (int i = 0; i < cols; i += BLOCK) {
            // Weights are scaled once here and then used for 4 inputs, so no per-input scaling.
            FloatVector d0 = FloatVector.broadcast(F, scale(block0));
            FloatVector d1 = FloatVector.broadcast(F, scale(block1));
            for (int j = 0; j < HALF; j += BYTE_LANES) {
                ByteVector packed0 = loadBytes(data, block0 + 2 + j);
                ByteVector packed1 = loadBytes(data, block1 + 2 + j);
                for (int h = 0; h < 2; h++) {
                    ByteVector q0 = h == 0 ? low(packed0) : high(packed0);
                    ByteVector q1 = h == 0 ? low(packed1) : high(packed1);
                    for (int p = 0; p < BYTE_PARTS; p++) {
                        int e = i + h * HALF + j + p * LANES;
                        FloatVector u = bytesToFloats(q0, p).mul(d0);
                        FloatVector v = bytesToFloats(q1, p).mul(d1);
                        FloatVector xv = load(x, x0 + e);
                        a00 = u.fma(xv, a00);
                        a10 = v.fma(xv, a10);
                        xv = load(x, x1 + e);
                        a01 = u.fma(xv, a01);
                        a11 = v.fma(xv, a11);
                        xv = load(x, x2 + e);
                        a02 = u.fma(xv, a02);
                        a12 = v.fma(xv, a12);
                        xv = load(x, x3 + e);
                        a03 = u.fma(xv, a03);
                        a13 = v.fma(xv, a13);
                    }
                }
            }
            block0 += BLOCK_BYTES;
            block1 += BLOCK_BYTES;
        }
        store2x4(out, row, token, sum(a00), sum(a01), sum(a02), sum(a03), sum(a10), sum(a11), sum(a12), sum(a13));
    }
}

package io.streamllm.tensor;

import static io.streamllm.tensor.Vectors.BYTE_LANES;
import static io.streamllm.tensor.Vectors.BYTE_PARTS;
import static io.streamllm.tensor.Vectors.F;
import static io.streamllm.tensor.Vectors.LANES;
import static io.streamllm.tensor.Vectors.bytesToFloats;
import static io.streamllm.tensor.Vectors.load;
import static io.streamllm.tensor.Vectors.loadBytes;
import static io.streamllm.tensor.Vectors.sum;
import static io.streamllm.tensor.Vectors.zero;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_0: blocks of 32 weights, each block an f16 scale d and 16 bytes of 4-bit values.
 * Byte j holds element j in its low nibble and element j+16 in its high nibble; w = d * (nibble - 8).
 * The kernels split the nibbles and subtract 8 on the packed bytes (cheap narrow vectors), then
 * widen to floats and multiply-add in float.
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

    /** Low nibbles of {@code packed} minus 8: weights j of the block, as signed bytes. */
    private static ByteVector low(ByteVector packed) {
        return packed.and((byte) 0x0f).sub((byte) 8);
    }

    /**
     * High nibbles of {@code packed} minus 8: weights j+16. x86 has no byte shift, so the shift is
     * done on 16-bit lanes; the mask then drops the bits shifted in from the neighbouring byte.
     */
    private static ByteVector high(ByteVector packed) {
        return packed.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes()
                .and((byte) 0x0f).sub((byte) 8);
    }

    /** {@code acc + d * (w . x[xi .. xi+32))} for the block at byte {@code block}, scaled once per block. */
    private FloatVector blockDot(long block, float[] x, int xi, FloatVector acc) {
        FloatVector s = zero();
        for (int j = 0; j < HALF; j += BYTE_LANES) {
            ByteVector packed = loadBytes(data, block + 2 + j);
            ByteVector lo = low(packed);
            ByteVector hi = high(packed);
            for (int p = 0; p < BYTE_PARTS; p++) {
                int e = j + p * LANES;
                s = e == 0 ? bytesToFloats(lo, p).mul(load(x, xi)) : bytesToFloats(lo, p).fma(load(x, xi + e), s);
                s = bytesToFloats(hi, p).fma(load(x, xi + HALF + e), s);
            }
        }
        return s.fma(FloatVector.broadcast(F, scale(block)), acc);
    }

    @Override
    public float dot(int row, float[] x, int xOffset) {
        long block = row * rowBytes;
        int blocks = cols / BLOCK;
        int xi = xOffset;
        // Four blocks per iteration, each into its own accumulator, so that FMAs overlap.
        FloatVector acc0 = zero(), acc1 = zero(), acc2 = zero(), acc3 = zero();
        int b = 0;
        for (; b + 4 <= blocks; b += 4) {
            acc0 = blockDot(block, x, xi, acc0);
            acc1 = blockDot(block + BLOCK_BYTES, x, xi + BLOCK, acc1);
            acc2 = blockDot(block + 2 * BLOCK_BYTES, x, xi + 2 * BLOCK, acc2);
            acc3 = blockDot(block + 3 * BLOCK_BYTES, x, xi + 3 * BLOCK, acc3);
            block += 4 * BLOCK_BYTES;
            xi += 4 * BLOCK;
        }
        for (; b < blocks; b++) {
            acc0 = blockDot(block, x, xi, acc0);
            block += BLOCK_BYTES;
            xi += BLOCK;
        }
        return sum(acc0.add(acc1).add(acc2.add(acc3)));
    }

    @Override
    protected void tile2x4(int row, float[] x, int token, float[] out) {
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

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
import static io.streamllm.tensor.Vectors.zero;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

/**
 * Q8_0: blocks of 32 weights, each block an f16 scale d and 32 signed bytes q; w = d * q.
 * The kernels widen q to floats in registers and multiply-add in float (see {@code Q8_0 notes} in
 * the package's benchmark report for why not in integers).
 */
final class Q8_0Matrix extends WeightMatrix {
    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 34;

    Q8_0Matrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    public void dequantizeRow(int row, float[] out, int offset) {
        long base = (long) row * (cols / BLOCK) * BLOCK_BYTES;
        for (int b = 0; b < cols / BLOCK; b++) {
            long block = base + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(I16_LE, block));
            for (int i = 0; i < BLOCK; i++) {
                out[offset + b * BLOCK + i] = d * data.get(ValueLayout.JAVA_BYTE, block + 2 + i);
            }
        }
    }

    /** Vector decoding of {@link #dequantizeRow}: the same products d * q, in the same rounding. */
    @Override
    public void dequantizeRows(int rowStart, int count, float[] out, int offset) {
        markFaultSafe(data);
        long block = rowStart * rowBytes;
        for (int o = offset, end = offset + count * cols; o < end; o += BLOCK, block += BLOCK_BYTES) {
            float d = scale(block);
            for (int j = 0; j < BLOCK; j += BYTE_LANES) {
                ByteVector q = loadBytes(data, block + 2 + j);
                for (int p = 0; p < BYTE_PARTS; p++) {
                    bytesToFloats(q, p).mul(d).intoArray(out, o + j + p * LANES);
                }
            }
        }
    }

    /** Writes 32 values as one block: d = max |x| / 127, q = round(x / d), as llama.cpp. */
    static void quantizeBlock(float[] x, int offset, MemorySegment dst, long at) {
        float amax = 0;
        for (int i = 0; i < 32; i++) {
            amax = Math.max(amax, Math.abs(x[offset + i]));
        }
        float d = amax / 127f;
        float id = d != 0 ? 1f / d : 0f;
        dst.set(I16_LE, at, Float.floatToFloat16(d));
        for (int i = 0; i < 32; i++) {
            dst.set(ValueLayout.JAVA_BYTE, at + 2 + i, (byte) Quantizer.roundHalfAwayFromZero(x[offset + i] * id));
        }
    }

    private float scale(long block) {
        return Float.float16ToFloat(data.get(I16_LE, block));
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
            FloatVector s = zero();
            for (int j = 0; j < BLOCK; j += BYTE_LANES) {
                ByteVector q = loadBytes(data, block + 2 + j);
                for (int p = 0; p < BYTE_PARTS; p++) {
                    int e = j + p * LANES;
                    FloatVector w = bytesToFloats(q, p);
                    s = e == 0 ? w.mul(load(x, xi)) : w.fma(load(x, xi + e), s);
                }
            }
            FloatVector next = s.fma(FloatVector.broadcast(F, scale(block)), acc1);
            acc1 = acc0;
            acc0 = next;
        }
        return sum(acc0.add(acc1));
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
        long w0 = row * rowBytes, w1 = w0 + rowBytes;
        int x0 = token * cols, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        FloatVector a00 = zero(), a01 = zero(), a02 = zero(), a03 = zero();
        FloatVector a10 = zero(), a11 = zero(), a12 = zero(), a13 = zero();
        // The decoding is written out here rather than in a helper: C2 may compile a helper on its
        // own first and then refuse to inline it ("already compiled into a big method"), boxing the vectors.
        for (int i = 0; i < cols; i += BLOCK) {
            float d0 = scale(w0), d1 = scale(w1);
            for (int j = 0; j < BLOCK; j += BYTE_LANES) {
                ByteVector q0 = loadBytes(data, w0 + 2 + j), q1 = loadBytes(data, w1 + 2 + j);
                for (int p = 0; p < BYTE_PARTS; p++) {
                    int e = i + j + p * LANES;
                    // Weights are scaled once here and then used for 4 inputs.
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
}

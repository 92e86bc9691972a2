package io.streamllm.tensor;

import static io.streamllm.tensor.Vectors.markFaultSafe;
import static io.streamllm.tensor.Vectors.halfToFloats;
import static io.streamllm.tensor.Vectors.loadShortsAsInts;
import static io.streamllm.tensor.Vectors.LANES;
import static io.streamllm.tensor.Vectors.load;
import static io.streamllm.tensor.Vectors.sum;
import static io.streamllm.tensor.Vectors.zero;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/** IEEE half-precision weights, widened to float in registers. */
final class F16Matrix extends WeightMatrix {
    F16Matrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols);
    }

    @Override
    public GgmlType type() {
        return GgmlType.F16;
    }

    @Override
    public void dequantizeRow(int row, float[] out, int offset) {
        long base = (long) row * cols * 2;
        for (int i = 0; i < cols; i++) {
            out[offset + i] = Float.float16ToFloat(data.get(I16_LE, base + 2L * i));
        }
    }

    static void quantizeBlock(float[] src, int srcOffset, MemorySegment dst, long dstOffset) {
        dst.set(I16_LE, dstOffset, Float.floatToFloat16(src[srcOffset]));
    }

    private FloatVector weights(long rowBase, int i) {
        return halfToFloats(loadShortsAsInts(data, rowBase + 2L * i));
    }

    @Override
    public float dot(int row, float[] x, int xOffset) {
        markFaultSafe(data);
        long w = (long) row * cols * 2;
        // Two accumulators so that consecutive FMAs overlap. Not four as for F32: each decode is
        // many IR nodes, and with four copies C2 hits its node-count inlining cutoff and stops
        // inlining the Vector API (vectors get boxed: measured 4x slower).
        FloatVector acc0 = zero(), acc1 = zero();
        int i = 0;
        for (int upper = cols - 2 * LANES; i <= upper; i += 2 * LANES) {
            acc0 = weights(w, i).fma(load(x, xOffset + i), acc0);
            acc1 = weights(w, i + LANES).fma(load(x, xOffset + i + LANES), acc1);
        }
        for (int upper = cols - LANES; i <= upper; i += LANES) {
            acc0 = weights(w, i).fma(load(x, xOffset + i), acc0);
        }
        float s = sum(acc0.add(acc1));
        for (; i < cols; i++) {
            s += Float.float16ToFloat(data.get(I16_LE, w + 2L * i)) * x[xOffset + i];
        }
        return s;
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
        long rowBytes = (long) cols * 2;
        long w0 = row * rowBytes, w1 = w0 + rowBytes;
        int x0 = token * cols, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        FloatVector a00 = zero(), a01 = zero(), a02 = zero(), a03 = zero();
        FloatVector a10 = zero(), a11 = zero(), a12 = zero(), a13 = zero();
        int i = 0;
        for (int upper = cols - LANES; i <= upper; i += LANES) {
            FloatVector u0 = weights(w0, i), u1 = weights(w1, i);
            FloatVector xv = load(x, x0 + i);
            a00 = u0.fma(xv, a00);
            a10 = u1.fma(xv, a10);
            xv = load(x, x1 + i);
            a01 = u0.fma(xv, a01);
            a11 = u1.fma(xv, a11);
            xv = load(x, x2 + i);
            a02 = u0.fma(xv, a02);
            a12 = u1.fma(xv, a12);
            xv = load(x, x3 + i);
            a03 = u0.fma(xv, a03);
            a13 = u1.fma(xv, a13);
        }
        a00.intoArray(sums, 0 * LANES);
        a01.intoArray(sums, 1 * LANES);
        a02.intoArray(sums, 2 * LANES);
        a03.intoArray(sums, 3 * LANES);
        a10.intoArray(sums, 4 * LANES);
        a11.intoArray(sums, 5 * LANES);
        a12.intoArray(sums, 6 * LANES);
        a13.intoArray(sums, 7 * LANES);
        return i;
    }

    @Override
    protected float weight(int row, int col) {
        return Float.float16ToFloat(data.get(I16_LE, ((long) row * cols + col) * 2));
    }
}

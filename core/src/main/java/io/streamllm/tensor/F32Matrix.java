package io.streamllm.tensor;

import static io.streamllm.tensor.Vectors.markFaultSafe;
import static io.streamllm.tensor.Vectors.F;
import static io.streamllm.tensor.Vectors.LANES;
import static io.streamllm.tensor.Vectors.LE;
import static io.streamllm.tensor.Vectors.load;
import static io.streamllm.tensor.Vectors.loadFloats;
import static io.streamllm.tensor.Vectors.sum;
import static io.streamllm.tensor.Vectors.zero;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/** Plain float32 weights. */
final class F32Matrix extends WeightMatrix {
    F32Matrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols);
    }

    @Override
    public GgmlType type() {
        return GgmlType.F32;
    }

    @Override
    public void dequantizeRow(int row, float[] out, int offset) {
        long base = (long) row * cols * 4;
        for (int i = 0; i < cols; i++) {
            out[offset + i] = data.get(F32_LE, base + 4L * i);
        }
    }

    static void quantizeBlock(float[] src, int srcOffset, MemorySegment dst, long dstOffset) {
        dst.set(F32_LE, dstOffset, src[srcOffset]);
    }

    private FloatVector weights(long rowBase, int i) {
        return loadFloats(data, rowBase + 4L * i);
    }

    @Override
    public float dot(int row, float[] x, int xOffset) {
        markFaultSafe(data);
        long w = (long) row * cols * 4;
        // Four independent accumulators keep several FMAs in flight (an FMA's latency is ~4 cycles).
        FloatVector acc0 = zero(), acc1 = zero(), acc2 = zero(), acc3 = zero();
        int i = 0;
        for (int upper = cols - 4 * LANES; i <= upper; i += 4 * LANES) {
            acc0 = weights(w, i).fma(load(x, xOffset + i), acc0);
            acc1 = weights(w, i + LANES).fma(load(x, xOffset + i + LANES), acc1);
            acc2 = weights(w, i + 2 * LANES).fma(load(x, xOffset + i + 2 * LANES), acc2);
            acc3 = weights(w, i + 3 * LANES).fma(load(x, xOffset + i + 3 * LANES), acc3);
        }
        // The remaining whole vectors load directly: a second call site of weights() was left out of line
        // by C2, which then boxed every vector it returned (20 KB of garbage per token on stories260K).
        for (int upper = cols - LANES; i <= upper; i += LANES) {
            acc0 = FloatVector.fromMemorySegment(F, data, w + 4L * i, LE).fma(load(x, xOffset + i), acc0);
        }
        float s = sum(acc0.add(acc1).add(acc2.add(acc3)));
        for (; i < cols; i++) {
            s += data.get(F32_LE, w + 4L * i) * x[xOffset + i];
        }
        return s;
    }

    @Override
    protected int tile(int row, float[] x, int token, float[] sums) {
        markFaultSafe(data);
        long rowBytes = (long) cols * 4;
        long w0 = row * rowBytes, w1 = w0 + rowBytes, w2 = w1 + rowBytes, w3 = w2 + rowBytes;
        int x0 = token * cols, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        FloatVector a00 = zero(), a01 = zero(), a02 = zero(), a03 = zero();
        FloatVector a10 = zero(), a11 = zero(), a12 = zero(), a13 = zero();
        FloatVector a20 = zero(), a21 = zero(), a22 = zero(), a23 = zero();
        FloatVector a30 = zero(), a31 = zero(), a32 = zero(), a33 = zero();
        int i = 0;
        for (int upper = cols - LANES; i <= upper; i += LANES) {
            FloatVector u0 = weights(w0, i), u1 = weights(w1, i), u2 = weights(w2, i), u3 = weights(w3, i);
            FloatVector xv = load(x, x0 + i);
            a00 = u0.fma(xv, a00);
            a10 = u1.fma(xv, a10);
            a20 = u2.fma(xv, a20);
            a30 = u3.fma(xv, a30);
            xv = load(x, x1 + i);
            a01 = u0.fma(xv, a01);
            a11 = u1.fma(xv, a11);
            a21 = u2.fma(xv, a21);
            a31 = u3.fma(xv, a31);
            xv = load(x, x2 + i);
            a02 = u0.fma(xv, a02);
            a12 = u1.fma(xv, a12);
            a22 = u2.fma(xv, a22);
            a32 = u3.fma(xv, a32);
            xv = load(x, x3 + i);
            a03 = u0.fma(xv, a03);
            a13 = u1.fma(xv, a13);
            a23 = u2.fma(xv, a23);
            a33 = u3.fma(xv, a33);
        }
        a00.intoArray(sums, 0 * LANES);
        a01.intoArray(sums, 1 * LANES);
        a02.intoArray(sums, 2 * LANES);
        a03.intoArray(sums, 3 * LANES);
        a10.intoArray(sums, 4 * LANES);
        a11.intoArray(sums, 5 * LANES);
        a12.intoArray(sums, 6 * LANES);
        a13.intoArray(sums, 7 * LANES);
        a20.intoArray(sums, 8 * LANES);
        a21.intoArray(sums, 9 * LANES);
        a22.intoArray(sums, 10 * LANES);
        a23.intoArray(sums, 11 * LANES);
        a30.intoArray(sums, 12 * LANES);
        a31.intoArray(sums, 13 * LANES);
        a32.intoArray(sums, 14 * LANES);
        a33.intoArray(sums, 15 * LANES);
        return i;
    }

    @Override
    protected float weight(int row, int col) {
        return data.get(F32_LE, ((long) row * cols + col) * 4);
    }
}

package io.streamllm.tensor;

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

    private FloatVector weights(long rowBase, int i) {
        return halfToFloats(loadShortsAsInts(data, rowBase + 2L * i));
    }

    @Override
    public float dot(int row, float[] x, int xOffset) {
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

    @Override
    protected void tile2x4(int row, float[] x, int token, float[] out) {
        long w0 = (long) row * cols * 2;
        long w1 = w0 + (long) cols * 2;
        int x0 = token * cols, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        FloatVector a00 = zero(), a01 = zero(), a02 = zero(), a03 = zero();
        FloatVector a10 = zero(), a11 = zero(), a12 = zero(), a13 = zero();
        int i = 0;
        for (int upper = cols - LANES; i <= upper; i += LANES) {
            FloatVector u = weights(w0, i);
            FloatVector v = weights(w1, i);
            FloatVector xv = load(x, x0 + i);
            a00 = u.fma(xv, a00);
            a10 = v.fma(xv, a10);
            xv = load(x, x1 + i);
            a01 = u.fma(xv, a01);
            a11 = v.fma(xv, a11);
            xv = load(x, x2 + i);
            a02 = u.fma(xv, a02);
            a12 = v.fma(xv, a12);
            xv = load(x, x3 + i);
            a03 = u.fma(xv, a03);
            a13 = v.fma(xv, a13);
        }
        float s00 = sum(a00), s01 = sum(a01), s02 = sum(a02), s03 = sum(a03);
        float s10 = sum(a10), s11 = sum(a11), s12 = sum(a12), s13 = sum(a13);
        for (; i < cols; i++) {
            float u = Float.float16ToFloat(data.get(I16_LE, w0 + 2L * i));
            float v = Float.float16ToFloat(data.get(I16_LE, w1 + 2L * i));
            s00 += u * x[x0 + i];
            s01 += u * x[x1 + i];
            s02 += u * x[x2 + i];
            s03 += u * x[x3 + i];
            s10 += v * x[x0 + i];
            s11 += v * x[x1 + i];
            s12 += v * x[x2 + i];
            s13 += v * x[x3 + i];
        }
        store2x4(out, row, token, s00, s01, s02, s03, s10, s11, s12, s13);
    }
}

package io.streamllm.tensor;

import static io.streamllm.tensor.Vectors.markFaultSafe;
import static io.streamllm.tensor.Vectors.bf16ToFloats;
import static io.streamllm.tensor.Vectors.loadShortsAsInts;
import static io.streamllm.tensor.Vectors.LANES;
import static io.streamllm.tensor.Vectors.load;
import static io.streamllm.tensor.Vectors.sum;
import static io.streamllm.tensor.Vectors.zero;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/** bfloat16 weights (the top 16 bits of a float32), widened to float in registers. */
final class BF16Matrix extends WeightMatrix {
    BF16Matrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols);
    }

    @Override
    public GgmlType type() {
        return GgmlType.BF16;
    }

    static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    @Override
    public void dequantizeRow(int row, float[] out, int offset) {
        long base = (long) row * cols * 2;
        for (int i = 0; i < cols; i++) {
            out[offset + i] = bf16ToFloat(data.get(I16_LE, base + 2L * i));
        }
    }

    static void quantizeBlock(float[] src, int srcOffset, MemorySegment dst, long dstOffset) {
        dst.set(I16_LE, dstOffset, Quantizer.floatToBf16(src[srcOffset]));
    }

    private FloatVector weights(long rowBase, int i) {
        return bf16ToFloats(loadShortsAsInts(data, rowBase + 2L * i));
    }

    @Override
    public float dot(int row, float[] x, int xOffset) {
        markFaultSafe(data);
        long w = (long) row * cols * 2;
        // Four independent accumulators keep several FMAs in flight (an FMA's latency is ~4 cycles).
        FloatVector acc0 = zero(), acc1 = zero(), acc2 = zero(), acc3 = zero();
        int i = 0;
        for (int upper = cols - 4 * LANES; i <= upper; i += 4 * LANES) {
            acc0 = weights(w, i).fma(load(x, xOffset + i), acc0);
            acc1 = weights(w, i + LANES).fma(load(x, xOffset + i + LANES), acc1);
            acc2 = weights(w, i + 2 * LANES).fma(load(x, xOffset + i + 2 * LANES), acc2);
            acc3 = weights(w, i + 3 * LANES).fma(load(x, xOffset + i + 3 * LANES), acc3);
        }
        for (int upper = cols - LANES; i <= upper; i += LANES) {
            acc0 = weights(w, i).fma(load(x, xOffset + i), acc0);
        }
        float s = sum(acc0.add(acc1).add(acc2.add(acc3)));
        for (; i < cols; i++) {
            s += bf16ToFloat(data.get(I16_LE, w + 2L * i)) * x[xOffset + i];
        }
        return s;
    }

    @Override
    protected int tile(int row, float[] x, int token, float[] sums) {
        markFaultSafe(data);
        long rowBytes = (long) cols * 2;
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
        return bf16ToFloat(data.get(I16_LE, ((long) row * cols + col) * 2));
    }
}

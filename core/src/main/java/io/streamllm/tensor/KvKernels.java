package io.streamllm.tensor;

import static io.streamllm.tensor.Vectors.BYTE_LANES;
import static io.streamllm.tensor.Vectors.BYTE_PARTS;
import static io.streamllm.tensor.Vectors.F;
import static io.streamllm.tensor.Vectors.LANES;
import static io.streamllm.tensor.Vectors.S;
import static io.streamllm.tensor.Vectors.bytesToFloats;
import static io.streamllm.tensor.Vectors.halfToFloats;
import static io.streamllm.tensor.Vectors.zero;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Attention's two loops over one KV head of the cache, for keys and values stored as f32, f16 or q8_0.
 *
 * <p>Keys are stored in blocks of {@link #SLOTS_PER_BLOCK} slots, transposed: block b holds, for each
 * dimension d, the d-th element of its slots' keys side by side, at {@code b * SLOTS_PER_BLOCK * headDim
 * + d * SLOTS_PER_BLOCK + lane}. The scores of a whole block are then a sum over d of broadcast(q[d]) times
 * one vector: plain FMAs, no horizontal reduction per key (which made 4k cached tokens cost as much as
 * the rest of a decode step). q8_0 keys keep one scale per slot and 32 dimensions, transposed the same way
 * ({@code (b * groups + g) * SLOTS_PER_BLOCK + lane}).
 *
 * <p>Values are stored one slot after another ({@code slot * headDim}; q8_0 scales at {@code slot * groups});
 * the output accumulates weight times value row, also without reductions.
 *
 * <p>Ranges of slots may start and end inside a block; only the scores of the range are written.
 * The layout puts slot s of a block at {@code s * headDim} too, so a block starting at slot s begins at
 * {@code base + s * headDim}.
 */
public final class KvKernels {
    private KvKernels() {
    }

    /** Slots per transposed key block: one float vector's lanes. */
    public static final int SLOTS_PER_BLOCK = LANES;
    /** Elements sharing one q8_0 scale (ggml's block); a head narrower than this is one group. */
    public static final int Q8_GROUP = 32;

    /** The q8_0 group of a head of {@code headDim} elements: 32, or the whole head when it is narrower. */
    public static int q8Group(int headDim) {
        return Math.min(Q8_GROUP, headDim);
    }

    /**
     * {@code out[outOffset + j] = scale * q . key(from + j)} for j < count, f32 keys of one head at {@code base}.
     * Whole blocks in vectors; the slots of a block the range only partly covers one at a time.
     */
    public static void keyScoresF32(float[] keys, int base, int headDim, float[] q, int qOffset, float scale,
                                    int from, int count, float[] out, int outOffset) {
        int end = from + count;
        int slot = from;
        for (; slot < end && slot % LANES != 0; slot++) {
            out[outOffset + slot - from] = scale * keyScoreF32(keys, base, headDim, q, qOffset, slot);
        }
        for (; slot + LANES <= end; slot += LANES) {
            int k = base + slot * headDim;
            FloatVector acc0 = zero(), acc1 = zero();
            int d = 0;
            for (; d + 1 < headDim; d += 2) {
                acc0 = FloatVector.fromArray(F, keys, k + d * LANES).fma(broadcast(q[qOffset + d]), acc0);
                acc1 = FloatVector.fromArray(F, keys, k + (d + 1) * LANES).fma(broadcast(q[qOffset + d + 1]), acc1);
            }
            if (d < headDim) {
                acc0 = FloatVector.fromArray(F, keys, k + d * LANES).fma(broadcast(q[qOffset + d]), acc0);
            }
            acc0.add(acc1).mul(scale).intoArray(out, outOffset + slot - from);
        }
        for (; slot < end; slot++) {
            out[outOffset + slot - from] = scale * keyScoreF32(keys, base, headDim, q, qOffset, slot);
        }
    }

    /** q . key(slot), one slot of the transposed f32 layout (the edges of a range). */
    static float keyScoreF32(float[] keys, int base, int headDim, float[] q, int qOffset, int slot) {
        int k = base + (slot / LANES) * LANES * headDim + slot % LANES;
        float sum = 0;
        for (int d = 0; d < headDim; d++) {
            sum += q[qOffset + d] * keys[k + d * LANES];
        }
        return sum;
    }

    /** As {@link #keyScoresF32} for f16 keys (IEEE half bits). */
    public static void keyScoresF16(short[] keys, int base, int headDim, float[] q, int qOffset, float scale,
                                    int from, int count, float[] out, int outOffset) {
        int end = from + count;
        int slot = from;
        for (; slot < end && slot % LANES != 0; slot++) {
            out[outOffset + slot - from] = scale * keyScoreF16(keys, base, headDim, q, qOffset, slot);
        }
        for (; slot + LANES <= end; slot += LANES) {
            int k = base + slot * headDim;
            FloatVector acc0 = zero(), acc1 = zero();
            int d = 0;
            for (; d + 1 < headDim; d += 2) {
                acc0 = halves(keys, k + d * LANES).fma(broadcast(q[qOffset + d]), acc0);
                acc1 = halves(keys, k + (d + 1) * LANES).fma(broadcast(q[qOffset + d + 1]), acc1);
            }
            if (d < headDim) {
                acc0 = halves(keys, k + d * LANES).fma(broadcast(q[qOffset + d]), acc0);
            }
            acc0.add(acc1).mul(scale).intoArray(out, outOffset + slot - from);
        }
        for (; slot < end; slot++) {
            out[outOffset + slot - from] = scale * keyScoreF16(keys, base, headDim, q, qOffset, slot);
        }
    }

    static float keyScoreF16(short[] keys, int base, int headDim, float[] q, int qOffset, int slot) {
        int k = base + (slot / LANES) * LANES * headDim + slot % LANES;
        float sum = 0;
        for (int d = 0; d < headDim; d++) {
            sum += q[qOffset + d] * Float.float16ToFloat(keys[k + d * LANES]);
        }
        return sum;
    }

    /** As {@link #keyScoresF32} for q8_0 keys: quants at {@code base}, scales at {@code scaleBase}. */
    public static void keyScoresQ8(byte[] keys, int base, float[] scales, int scaleBase, int headDim, float[] q,
                                   int qOffset, float scale, int from, int count, float[] out, int outOffset) {
        int group = q8Group(headDim);
        int groups = headDim / group;
        int end = from + count;
        int slot = from;
        for (; slot < end && slot % LANES != 0; slot++) {
            out[outOffset + slot - from] = scale * keyScoreQ8(keys, base, scales, scaleBase, headDim, q, qOffset, slot);
        }
        for (; slot + LANES <= end; slot += LANES) {
            int k = base + slot * headDim;
            int s = scaleBase + slot * groups;
            FloatVector acc = zero();
            for (int g = 0; g < groups; g++) {
                FloatVector part = zero();
                for (int d = g * group, groupEnd = d + group; d < groupEnd; d += BYTE_PARTS) {
                    // One byte load covers BYTE_PARTS dimensions when a vector has fewer lanes than the smallest byte load.
                    ByteVector quants = ByteVector.fromArray(Vectors.B, keys, k + d * LANES);
                    for (int p = 0; p < BYTE_PARTS; p++) {
                        part = bytesToFloats(quants, p).fma(broadcast(q[qOffset + d + p]), part);
                    }
                }
                acc = part.fma(FloatVector.fromArray(F, scales, s + g * LANES), acc);
            }
            acc.mul(scale).intoArray(out, outOffset + slot - from);
        }
        for (; slot < end; slot++) {
            out[outOffset + slot - from] = scale * keyScoreQ8(keys, base, scales, scaleBase, headDim, q, qOffset, slot);
        }
    }

    static float keyScoreQ8(byte[] keys, int base, float[] scales, int scaleBase, int headDim, float[] q, int qOffset,
                            int slot) {
        int block = slot / LANES, lane = slot % LANES;
        int k = base + block * LANES * headDim + lane;
        int group = q8Group(headDim);
        int s = scaleBase + block * LANES * (headDim / group) + lane;
        float sum = 0;
        for (int g = 0; g < headDim / group; g++) {
            float part = 0;
            for (int d = g * group; d < (g + 1) * group; d++) {
                part += q[qOffset + d] * keys[k + d * LANES];
            }
            sum += part * scales[s + g * LANES];
        }
        return sum;
    }

    private static FloatVector broadcast(float x) {
        return FloatVector.broadcast(F, x);
    }

    private static FloatVector halves(short[] bits, int offset) {
        return halfToFloats((IntVector) ShortVector.fromArray(S, bits, offset).convertShape(VectorOperators.S2I, Vectors.I, 0));
    }

    /** {@code out[outOffset ..+headDim] += weights[wOffset + j] * value(from + j)} for j < count, f32 values at {@code base}. */
    public static void addValuesF32(float[] values, int base, int headDim, float[] weights, int wOffset,
                                    int from, int count, float[] out, int outOffset) {
        for (int j = 0; j < count; j++) {
            ArrayMath.addScaled(out, outOffset, weights[wOffset + j], values, base + (from + j) * headDim, headDim);
        }
    }

    /** As {@link #addValuesF32} for f16 values. */
    public static void addValuesF16(short[] values, int base, int headDim, float[] weights, int wOffset,
                                    int from, int count, float[] out, int outOffset) {
        for (int j = 0; j < count; j++) {
            float w = weights[wOffset + j];
            int v = base + (from + j) * headDim;
            int d = 0;
            for (; d + LANES <= headDim; d += LANES) {
                halves(values, v + d).fma(broadcast(w), FloatVector.fromArray(F, out, outOffset + d)).intoArray(out, outOffset + d);
            }
            for (; d < headDim; d++) {
                out[outOffset + d] += w * Float.float16ToFloat(values[v + d]);
            }
        }
    }

    /** As {@link #addValuesF32} for q8_0 values: quants at {@code base}, scales at {@code scaleBase}. */
    public static void addValuesQ8(byte[] values, int base, float[] scales, int scaleBase, int headDim,
                                   float[] weights, int wOffset, int from, int count, float[] out, int outOffset) {
        int group = q8Group(headDim);
        int groups = headDim / group;
        for (int j = 0; j < count; j++) {
            int slot = from + j;
            int v = base + slot * headDim;
            for (int g = 0; g < groups; g++) {
                float w = weights[wOffset + j] * scales[scaleBase + slot * groups + g];
                int d = g * group, groupEnd = d + group;
                for (; d + BYTE_LANES <= groupEnd; d += BYTE_LANES) {
                    ByteVector quants = ByteVector.fromArray(Vectors.B, values, v + d);
                    for (int p = 0; p < BYTE_PARTS; p++) {
                        int o = outOffset + d + p * LANES;
                        bytesToFloats(quants, p).fma(broadcast(w), FloatVector.fromArray(F, out, o)).intoArray(out, o);
                    }
                }
                for (; d < groupEnd; d++) { // a group narrower than one byte load (heads under 32 elements)
                    out[outOffset + d] += w * values[v + d];
                }
            }
        }
    }
}

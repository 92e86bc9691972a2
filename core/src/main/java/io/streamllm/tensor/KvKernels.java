package io.streamllm.tensor;

import static io.streamllm.tensor.Vectors.BYTE_LANES;
import static io.streamllm.tensor.Vectors.BYTE_PARTS;
import static io.streamllm.tensor.Vectors.F;
import static io.streamllm.tensor.Vectors.LANES;
import static io.streamllm.tensor.Vectors.bytesToFloats;
import static io.streamllm.tensor.Vectors.zero;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

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
     * {@code out[outOffset + j] = scale * q . key(from + j)} for j &lt; count, f32 keys of one head at {@code base}.
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
            blockScores(keys, base + slot * headDim, headDim, q, qOffset).mul(scale).intoArray(out, outOffset + slot - from);
        }
        for (; slot < end; slot++) {
            out[outOffset + slot - from] = scale * keyScoreF32(keys, base, headDim, q, qOffset, slot);
        }
    }

    /** q . key for the {@link #SLOTS_PER_BLOCK} slots of the transposed f32 block at {@code k}. */
    private static FloatVector blockScores(float[] keys, int k, int headDim, float[] q, int qOffset) {
        FloatVector acc0 = zero(), acc1 = zero();
        int d = 0;
        for (; d + 1 < headDim; d += 2) {
            acc0 = FloatVector.fromArray(F, keys, k + d * LANES).fma(broadcast(q[qOffset + d]), acc0);
            acc1 = FloatVector.fromArray(F, keys, k + (d + 1) * LANES).fma(broadcast(q[qOffset + d + 1]), acc1);
        }
        if (d < headDim) {
            acc0 = FloatVector.fromArray(F, keys, k + d * LANES).fma(broadcast(q[qOffset + d]), acc0);
        }
        return acc0.add(acc1);
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

    /**
     * As {@link #keyScoresF32} for f16 keys (IEEE half bits). Each block is first widened into a per-thread
     * float block: C2 compiles that plain loop of {@link Float#float16ToFloat} to the F16C/AVX-512
     * conversion instruction (~0.1 ns per element on Zen 3), where decoding halves with integer vector
     * operations made f16 scores 5x slower than f32.
     */
    public static void keyScoresF16(short[] keys, int base, int headDim, float[] q, int qOffset, float scale,
                                    int from, int count, float[] out, int outOffset) {
        int end = from + count;
        int slot = from;
        for (; slot < end && slot % LANES != 0; slot++) {
            out[outOffset + slot - from] = scale * keyScoreF16(keys, base, headDim, q, qOffset, slot);
        }
        float[] block = scratch(headDim * LANES);
        for (; slot + LANES <= end; slot += LANES) {
            widen(keys, base + slot * headDim, block, headDim * LANES);
            blockScores(block, 0, headDim, q, qOffset).mul(scale).intoArray(out, outOffset + slot - from);
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

    /** {@code out[outOffset ..+headDim] += weights[wOffset + j] * value(from + j)} for j &lt; count, f32 values at {@code base}. */
    public static void addValuesF32(float[] values, int base, int headDim, float[] weights, int wOffset,
                                    int from, int count, float[] out, int outOffset) {
        addScaledRows(values, base + from * headDim, headDim, weights, wOffset, count, out, outOffset);
    }

    /**
     * {@code out[outOffset ..+headDim] += weights[wOffset + i] * rows[rowOffset + i * headDim ..]} for i < count,
     * two rows per pass so that {@code out} is loaded and stored once per two rows (an odd last row is
     * paired with itself at weight 0).
     */
    private static void addScaledRows(float[] rows, int rowOffset, int headDim, float[] weights, int wOffset, int count,
                                      float[] out, int outOffset) {
        for (int i = 0; i < count; i += 2) {
            boolean pair = i + 1 < count;
            float w0 = weights[wOffset + i];
            float w1 = pair ? weights[wOffset + i + 1] : 0;
            int r0 = rowOffset + i * headDim;
            int r1 = pair ? r0 + headDim : r0;
            int d = 0;
            for (; d + LANES <= headDim; d += LANES) {
                FloatVector sum = FloatVector.fromArray(F, rows, r1 + d).fma(broadcast(w1), FloatVector.fromArray(F, out, outOffset + d));
                FloatVector.fromArray(F, rows, r0 + d).fma(broadcast(w0), sum).intoArray(out, outOffset + d);
            }
            for (; d < headDim; d++) {
                out[outOffset + d] += w0 * rows[r0 + d] + w1 * rows[r1 + d];
            }
        }
    }

    /** As {@link #addValuesF32} for f16 values, widened {@link #SLOTS_PER_BLOCK} slots at a time as in {@link #keyScoresF16}. */
    public static void addValuesF16(short[] values, int base, int headDim, float[] weights, int wOffset,
                                    int from, int count, float[] out, int outOffset) {
        float[] rows = scratch(headDim * LANES);
        for (int j = 0; j < count; j += LANES) {
            int slots = Math.min(LANES, count - j);
            widen(values, base + (from + j) * headDim, rows, slots * headDim);
            addScaledRows(rows, 0, headDim, weights, wOffset + j, slots, out, outOffset);
        }
    }

    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);

    /** This thread's float block of at least {@code length}: allocated once per thread and size. */
    private static float[] scratch(int length) {
        float[] block = SCRATCH.get();
        if (block.length < length) {
            block = new float[length];
            SCRATCH.set(block);
        }
        return block;
    }

    /** {@code out[i] = half(bits[offset + i])} for i < n: a loop C2 turns into vector conversions. */
    private static void widen(short[] bits, int offset, float[] out, int n) {
        for (int i = 0; i < n; i++) {
            out[i] = Float.float16ToFloat(bits[offset + i]);
        }
    }

    /** As {@link #addValuesF32} for q8_0 values: quants at {@code base}, scales at {@code scaleBase}. */
    public static void addValuesQ8(byte[] values, int base, float[] scales, int scaleBase, int headDim,
                                   float[] weights, int wOffset, int from, int count, float[] out, int outOffset) {
        int group = q8Group(headDim);
        int groups = headDim / group;
        // Two slots per pass over out, as addScaledRows does (an odd last slot is paired with itself at weight 0).
        for (int j = 0; j < count; j += 2) {
            boolean pair = j + 1 < count;
            int slot0 = from + j;
            int slot1 = pair ? slot0 + 1 : slot0;
            int v0 = base + slot0 * headDim;
            int v1 = base + slot1 * headDim;
            for (int g = 0; g < groups; g++) {
                float w0 = weights[wOffset + j] * scales[scaleBase + slot0 * groups + g];
                float w1 = pair ? weights[wOffset + j + 1] * scales[scaleBase + slot1 * groups + g] : 0;
                int d = g * group, groupEnd = d + group;
                for (; d + BYTE_LANES <= groupEnd; d += BYTE_LANES) {
                    ByteVector quants0 = ByteVector.fromArray(Vectors.B, values, v0 + d);
                    ByteVector quants1 = ByteVector.fromArray(Vectors.B, values, v1 + d);
                    for (int p = 0; p < BYTE_PARTS; p++) {
                        int o = outOffset + d + p * LANES;
                        FloatVector sum = bytesToFloats(quants1, p).fma(broadcast(w1), FloatVector.fromArray(F, out, o));
                        bytesToFloats(quants0, p).fma(broadcast(w0), sum).intoArray(out, o);
                    }
                }
                for (; d < groupEnd; d++) { // a group narrower than one byte load (heads under 32 elements)
                    out[outOffset + d] += w0 * values[v0 + d] + w1 * values[v1 + d];
                }
            }
        }
    }
}

package io.streamllm.kv;

import io.streamllm.api.KvType;

import io.streamllm.tensor.KvKernels;

import java.nio.ByteBuffer;

/**
 * One layer's keys and values for every KV head, in the layout of {@link KvKernels}: per head, keys in
 * transposed blocks of {@link KvKernels#SLOTS_PER_BLOCK} slots and values one slot after another. The
 * subclasses are the element types ({@link KvType}).
 *
 * <p>Tokens are written and read (for snapshots and tests) as rows in the forward pass's order: the KV
 * heads one after another, {@code headDim} elements each.
 */
public abstract sealed class KvStore permits ElementKvStore, Q8_0KvStore {
    final int kvHeads;
    final int headDim;
    /** Slots held, a whole number of key blocks. */
    final int slots;

    KvStore(int kvHeads, int headDim, int slots) {
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.slots = slots;
    }

    /** An empty store of {@code type} for at least {@code slots} slots. */
    static KvStore create(KvType type, int kvHeads, int headDim, int slots) {
        int rounded = wholeBlocks(slots);
        return switch (type) {
            case F32 -> new F32KvStore(kvHeads, headDim, rounded);
            case F16 -> new F16KvStore(kvHeads, headDim, rounded);
            case Q8_0 -> new Q8_0KvStore(kvHeads, headDim, rounded);
        };
    }

    public abstract KvType type();

    /** Bytes one token takes (keys and values of all heads): in memory and in a snapshot. */
    abstract int bytesPerSlot();

    /** Stores one token's key and value rows from {@code k[offset..]} and {@code v[offset..]}. */
    public abstract void store(int slot, float[] k, float[] v, int offset);

    /** Reads one token's key and value rows back, as floats, into {@code k[offset..]} and {@code v[offset..]}. */
    abstract void load(int slot, float[] k, float[] v, int offset);

    /** Writes one token in this type's snapshot encoding ({@link #bytesPerSlot} bytes). */
    abstract void encode(int slot, ByteBuffer out);

    /** Reads one token written by {@link #encode} of the same type. */
    abstract void decode(int slot, ByteBuffer in);

    /** A store of at least {@code minSlots} slots (more than now) holding the same tokens at the same slots. */
    final KvStore grownTo(int minSlots) {
        return grown(wholeBlocks(minSlots));
    }

    /** As {@link #grownTo}, for a whole number of key blocks. */
    abstract KvStore grown(int newSlots);

    private static int wholeBlocks(int slots) {
        return Math.ceilDiv(slots, KvKernels.SLOTS_PER_BLOCK) * KvKernels.SLOTS_PER_BLOCK;
    }

    /** {@code out[outOffset + j] = scale * q . key(from + j)} for j &lt; count, keys of KV head {@code head}. */
    public abstract void keyScores(int head, float[] q, int qOffset, float scale, int from, int count,
                                   float[] out, int outOffset);

    /** {@code out[outOffset ..+headDim] += weights[wOffset + j] * value(from + j)} for j &lt; count, values of {@code head}. */
    public abstract void addValues(int head, float[] weights, int wOffset, int from, int count, float[] out, int outOffset);

    long allocatedBytes() {
        return (long) slots * bytesPerSlot();
    }

    /** Index of element i (of {@code width} per slot) of a slot's key in head {@code head}: transposed blocks. */
    final int keyIndex(int width, int head, int slot, int i) {
        int lanes = KvKernels.SLOTS_PER_BLOCK;
        return head * slots * width + (slot / lanes) * lanes * width + i * lanes + slot % lanes;
    }

    /** Index of element i (of {@code width} per slot) of a slot's value in head {@code head}: slot after slot. */
    final int valueIndex(int width, int head, int slot, int i) {
        return head * slots * width + slot * width + i;
    }

    /** Copies each head's region of {@code from} (an array of {@code width} elements per slot) to the start of its region in {@code to}. */
    final void copyHeads(Object from, Object to, int width, int newSlots) {
        for (int h = 0; h < kvHeads; h++) {
            System.arraycopy(from, h * slots * width, to, h * newSlots * width, slots * width);
        }
    }
}

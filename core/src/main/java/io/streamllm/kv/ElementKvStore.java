package io.streamllm.kv;

import java.nio.ByteBuffer;

/** A store that keeps every element on its own (f32, f16): one accessor pair decides the element type. */
abstract sealed class ElementKvStore extends KvStore permits F32KvStore, F16KvStore {
    ElementKvStore(int kvHeads, int headDim, int slots) {
        super(kvHeads, headDim, slots);
    }

    /** Element {@code index} of the keys ({@code key}) or of the values. */
    abstract float element(boolean key, int index);

    abstract void setElement(boolean key, int index, float x);

    /** Writes one element as this type's snapshot encoding (big-endian). */
    abstract void putElement(ByteBuffer out, float x);

    abstract float getElement(ByteBuffer in);

    @Override
    public final void store(int slot, float[] k, float[] v, int offset) {
        for (int h = 0; h < kvHeads; h++) {
            for (int d = 0; d < headDim; d++) {
                setElement(true, keyIndex(headDim, h, slot, d), k[offset + h * headDim + d]);
                setElement(false, valueIndex(headDim, h, slot, d), v[offset + h * headDim + d]);
            }
        }
    }

    @Override
    final void load(int slot, float[] k, float[] v, int offset) {
        for (int h = 0; h < kvHeads; h++) {
            for (int d = 0; d < headDim; d++) {
                k[offset + h * headDim + d] = element(true, keyIndex(headDim, h, slot, d));
                v[offset + h * headDim + d] = element(false, valueIndex(headDim, h, slot, d));
            }
        }
    }

    /** The key row, then the value row; for f32 these are the rows of a version-1 snapshot. */
    @Override
    final void encode(int slot, ByteBuffer out) {
        for (int h = 0; h < kvHeads; h++) {
            for (int d = 0; d < headDim; d++) {
                putElement(out, element(true, keyIndex(headDim, h, slot, d)));
            }
        }
        for (int h = 0; h < kvHeads; h++) {
            for (int d = 0; d < headDim; d++) {
                putElement(out, element(false, valueIndex(headDim, h, slot, d)));
            }
        }
    }

    @Override
    final void decode(int slot, ByteBuffer in) {
        for (int h = 0; h < kvHeads; h++) {
            for (int d = 0; d < headDim; d++) {
                setElement(true, keyIndex(headDim, h, slot, d), getElement(in));
            }
        }
        for (int h = 0; h < kvHeads; h++) {
            for (int d = 0; d < headDim; d++) {
                setElement(false, valueIndex(headDim, h, slot, d), getElement(in));
            }
        }
    }
}

package io.streamllm.kv;

import java.nio.ByteBuffer;

/** A store that keeps every element on its own (f32, f16): one accessor pair per array decides the element type. */
abstract sealed class ElementKvStore extends KvStore permits F32KvStore, F16KvStore {
    ElementKvStore(int kvHeads, int headDim, int slots) {
        super(kvHeads, headDim, slots);
    }

    abstract float key(int index);

    abstract void setKey(int index, float x);

    abstract float value(int index);

    abstract void setValue(int index, float x);

    /** Writes one element as this type's snapshot encoding (big-endian). */
    abstract void putElement(ByteBuffer out, float x);

    abstract float getElement(ByteBuffer in);

    @Override
    final void store(int slot, float[] k, float[] v, int offset) {
        for (int h = 0; h < kvHeads; h++) {
            for (int d = 0; d < headDim; d++) {
                setKey(keyIndex(headDim, h, slot, d), k[offset + h * headDim + d]);
                setValue(valueIndex(headDim, h, slot, d), v[offset + h * headDim + d]);
            }
        }
    }

    @Override
    final void load(int slot, float[] k, float[] v, int offset) {
        for (int h = 0; h < kvHeads; h++) {
            for (int d = 0; d < headDim; d++) {
                k[offset + h * headDim + d] = key(keyIndex(headDim, h, slot, d));
                v[offset + h * headDim + d] = value(valueIndex(headDim, h, slot, d));
            }
        }
    }

    /** The key row, then the value row; for f32 these are the rows of a version-1 snapshot. */
    @Override
    final void encode(int slot, ByteBuffer out) {
        for (int h = 0; h < kvHeads; h++) {
            for (int d = 0; d < headDim; d++) {
                putElement(out, key(keyIndex(headDim, h, slot, d)));
            }
        }
        for (int h = 0; h < kvHeads; h++) {
            for (int d = 0; d < headDim; d++) {
                putElement(out, value(valueIndex(headDim, h, slot, d)));
            }
        }
    }

    @Override
    final void decode(int slot, ByteBuffer in) {
        for (int h = 0; h < kvHeads; h++) {
            for (int d = 0; d < headDim; d++) {
                setKey(keyIndex(headDim, h, slot, d), getElement(in));
            }
        }
        for (int h = 0; h < kvHeads; h++) {
            for (int d = 0; d < headDim; d++) {
                setValue(valueIndex(headDim, h, slot, d), getElement(in));
            }
        }
    }
}

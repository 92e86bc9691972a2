package io.streamllm.kv;

import io.streamllm.api.KvType;

import io.streamllm.tensor.KvKernels;

import java.nio.ByteBuffer;

/** Keys and values as floats: exact. */
final class F32KvStore extends ElementKvStore {
    private final float[] keys;
    private final float[] values;

    F32KvStore(int kvHeads, int headDim, int slots) {
        super(kvHeads, headDim, slots);
        this.keys = new float[kvHeads * slots * headDim];
        this.values = new float[kvHeads * slots * headDim];
    }

    @Override
    public KvType type() {
        return KvType.F32;
    }

    @Override
    int bytesPerSlot() {
        return 2 * kvHeads * headDim * Float.BYTES;
    }

    @Override
    float element(boolean key, int index) {
        return (key ? keys : values)[index];
    }

    @Override
    void setElement(boolean key, int index, float x) {
        (key ? keys : values)[index] = x;
    }

    @Override
    void putElement(ByteBuffer out, float x) {
        out.putFloat(x);
    }

    @Override
    float getElement(ByteBuffer in) {
        return in.getFloat();
    }

    @Override
    KvStore grown(int newSlots) {
        F32KvStore grown = new F32KvStore(kvHeads, headDim, newSlots);
        copyHeads(keys, grown.keys, headDim, newSlots);
        copyHeads(values, grown.values, headDim, newSlots);
        return grown;
    }

    @Override
    public void keyScores(int head, float[] q, int qOffset, float scale, int from, int count, float[] out, int outOffset) {
        KvKernels.keyScoresF32(keys, head * slots * headDim, headDim, q, qOffset, scale, from, count, out, outOffset);
    }

    @Override
    public void addValues(int head, float[] weights, int wOffset, int from, int count, float[] out, int outOffset) {
        KvKernels.addValuesF32(values, head * slots * headDim, headDim, weights, wOffset, from, count, out, outOffset);
    }
}

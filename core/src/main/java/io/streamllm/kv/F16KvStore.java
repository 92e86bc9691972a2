package io.streamllm.kv;

import io.streamllm.api.KvType;

import io.streamllm.tensor.KvKernels;

import java.nio.ByteBuffer;

/** Keys and values as IEEE halves (round to nearest even): half the bytes of f32. */
final class F16KvStore extends ElementKvStore {
    private final short[] keys;
    private final short[] values;

    F16KvStore(int kvHeads, int headDim, int slots) {
        super(kvHeads, headDim, slots);
        this.keys = new short[kvHeads * slots * headDim];
        this.values = new short[kvHeads * slots * headDim];
    }

    @Override
    public KvType type() {
        return KvType.F16;
    }

    @Override
    int bytesPerSlot() {
        return 2 * kvHeads * headDim * Short.BYTES;
    }

    @Override
    float element(boolean key, int index) {
        return Float.float16ToFloat((key ? keys : values)[index]);
    }

    @Override
    void setElement(boolean key, int index, float x) {
        (key ? keys : values)[index] = Float.floatToFloat16(x);
    }

    @Override
    void putElement(ByteBuffer out, float x) {
        out.putShort(Float.floatToFloat16(x));
    }

    @Override
    float getElement(ByteBuffer in) {
        return Float.float16ToFloat(in.getShort());
    }

    @Override
    KvStore grown(int newSlots) {
        F16KvStore grown = new F16KvStore(kvHeads, headDim, newSlots);
        copyHeads(keys, grown.keys, headDim, newSlots);
        copyHeads(values, grown.values, headDim, newSlots);
        return grown;
    }

    @Override
    public void keyScores(int head, float[] q, int qOffset, float scale, int from, int count, float[] out, int outOffset) {
        KvKernels.keyScoresF16(keys, head * slots * headDim, headDim, q, qOffset, scale, from, count, out, outOffset);
    }

    @Override
    public void addValues(int head, float[] weights, int wOffset, int from, int count, float[] out, int outOffset) {
        KvKernels.addValuesF16(values, head * slots * headDim, headDim, weights, wOffset, from, count, out, outOffset);
    }
}
